"""Rules of the data-validation gate: PII detection, line reading, record checks, verdicts, summaries.

The table-driven test at the bottom feeds malformed files through `tuneline validate` (the real
great-expectations run, tiny tokenizer, no Data Docs) and checks each fails with the rule and the line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.common.jsonl import parse_line, read_jsonl
from components.common.pii import find_pii, luhn_valid, redact_record
from components.validate_data.checks import check_record
from components.validate_data.config import ValidateDataConfig
from components.validate_data.core import should_log
from components.validate_data.features import build_frames
from components.validate_data.verdict import Observation, Policy, decide, summary_line, summary_lines

ROLES = ["system", "user", "assistant"]
SYSTEM = {"role": "system", "content": "You are a helpful assistant."}


def msg(role: str, content: str = "text") -> dict[str, str]:
    return {"role": role, "content": content}


# --- PII -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111 1111 1111 1111", True),
        ("5500-0000-0000-0004", True),
        ("79927398713", True),
        ("4111111111111112", False),
    ],
)
def test_luhn_checksum(number, valid):
    assert luhn_valid(number) is valid


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("write to jane.doe@gmail.com today", ["email"]),
        ("card 4111 1111 1111 1111 expires soon", ["credit_card"]),
        ("call +44 20 7946 0958 or (415) 555-0132", ["phone", "phone"]),
        ("server 192.168.10.4 and 2001:db8::1 are down", ["ip_address", "ip_address"]),
        ("order 4111-1111-1111-1112 is not a card (Luhn fails)", []),
        ("TLS 1.3, AES-256, $10 per member, since 2024-01-15 at 10:30:00, app v1.2.3.4.5", []),
        ("ids like 1234567890 are not phone numbers", []),
        ("mail billing@quillnote.com for refunds", []),  # an allowed (company) domain
    ],
)
def test_find_pii_flags_personal_data_and_spares_look_alikes(text, kinds):
    found = find_pii(text, allowed_email_domains=["quillnote.com"])
    assert [m.kind for m in found] == kinds


def test_redact_record_replaces_values_and_reports_them_masked():
    record = {"id": "jane@x.org-1", "messages": [msg("user", "I'm jane@example.org, card 4111111111111111")]}
    cleaned, findings = redact_record(record)
    assert cleaned["messages"][0]["content"] == "I'm [EMAIL], card [CREDIT_CARD]"
    assert cleaned["id"] == record["id"]  # ids are not free text
    assert record["messages"][0]["content"].startswith("I'm jane@")  # the input is not modified
    assert [(f.field, f.kind, f.masked) for f in findings] == [
        ("messages[0].content", "email", "ja***@example.org"),
        ("messages[0].content", "credit_card", "***1111"),
    ]


# --- reading lines ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b'{"a": 1}', None),
        (b"\xff\xfe{}", "not valid UTF-8 (byte 0xff at column 1)"),
        (b"   ", "blank line"),
        (b"{'a': 1}", "not valid JSON"),
        (b"[1, 2]", "JSON list, expected an object"),
    ],
)
def test_parse_line_explains_bad_lines(raw, error):
    record, problem = parse_line(raw)
    if error is None:
        assert record == {"a": 1} and problem is None
    else:
        assert record is None and problem.startswith(error)


def test_read_jsonl_keeps_line_numbers_and_goes_on_after_bad_lines(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"n": 1}\r\nnot json\n\xc3\x28\n{"n": 4}\n')
    loaded = read_jsonl(path)
    assert [(line, r["n"]) for line, r in loaded.records] == [(1, 1), (4, 4)]
    assert sorted(loaded.parse_errors) == [2, 3]
    assert loaded.line_count == 4


# --- record checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("messages", "rule", "text"),
    [
        ([SYSTEM, msg("user"), msg("assistant")], None, None),
        ([msg("user"), msg("assistant"), msg("user"), msg("assistant")], None, None),
        (
            [SYSTEM, msg("user"), msg("user"), msg("assistant")],
            "role_order",
            "messages[2] is 'user' after 'user'",
        ),
        ([msg("assistant"), msg("user"), msg("assistant")], "role_order", "messages[0] is 'assistant' first"),
        ([msg("user"), SYSTEM, msg("assistant")], "role_order", "messages[1] is 'system'"),
        ([SYSTEM, msg("user")], "ends_with_assistant", "ends with a 'user' turn"),
        ([msg("user"), msg("bot")], "roles_allowed", "messages[1] has role 'bot'"),
        ([msg("user"), msg("assistant", "  ")], "empty_content", "messages[1] (assistant) content is empty"),
        ([msg("user"), {"role": "assistant"}], "message_format", "messages[1] has no 'content'"),
        ([msg("user"), {"role": "assistant", "content": 3}], "message_format", "content is integer"),
        ([], "empty_content", "'messages' is an empty list"),
    ],
)
def test_sft_conversation_rules(messages, rule, text):
    problems, _ = check_record("sft", {"messages": messages}, ROLES)
    if rule is None:
        assert problems == {}
    else:
        assert list(problems) == [rule] and text in problems[rule]


def test_tool_roles_are_allowed_when_configured_and_skip_the_turn_order():
    messages = [msg("user"), msg("assistant"), msg("tool"), msg("assistant")]
    assert check_record("sft", {"messages": messages}, [*ROLES, "tool"])[0] == {}


def test_preference_record_rules():
    pair = {
        "prompt": [SYSTEM, msg("user", "q")],
        "chosen": [msg("assistant", "A  b")],
        "rejected": [msg("assistant", "a B")],
    }
    problems, _ = check_record("preference", pair, ROLES)
    assert problems == {"chosen_differs": "chosen equals rejected (ignoring case and whitespace)"}
    problems, _ = check_record("preference", {**pair, "chosen": [msg("user", "x")], "rejected": "no"}, ROLES)
    assert problems["role_order"] == "chosen[0] is 'user', expected 'assistant'"
    assert problems["field_types"] == "'rejected' is string, expected array"


def test_golden_record_rules():
    problems, _ = check_record("golden", {"prompt": [msg("user", "q")], "reference": " ", "id": 7}, ROLES)
    assert problems == {
        "field_types": "'id' is integer, expected string",
        "empty_content": "'reference' is empty",
    }
    problems, _ = check_record("golden", {"prompt": [msg("user", "q"), msg("assistant")]}, ROLES)
    assert problems["required_fields"] == "missing 'reference'"
    assert problems["role_order"] == "prompt ends with 'assistant', expected a user turn"


def test_feature_frames_mark_duplicates_contamination_and_length(tmp_path):
    sft = tmp_path / "sft.jsonl"
    rows = [[msg("user", "How do I export my notes to PDF, please?"), msg("assistant", "Use Export.")]] * 2
    sft.write_text("".join(json.dumps({"id": str(i), "messages": m}) + "\n" for i, m in enumerate(rows)))
    golden = tmp_path / "golden.jsonl"
    prompts = ["how do I export my notes to PDF", "Hi", "What is new?"]
    golden.write_text(
        "".join(json.dumps({"prompt": [msg("user", p)], "reference": "r"}) + "\n" for p in prompts)
    )
    loaded = {"sft": read_jsonl(sft), "golden": read_jsonl(golden)}
    frames = build_frames(loaded, ROLES, {}, count_tokens=lambda convs: [len(c) * 10 for c in convs])
    assert frames["sft"]["duplicates"].tolist() == [None, "same as line 1"]
    assert frames["sft"]["token_count"].tolist() == [20.0, 20.0]
    assert frames["golden"]["contamination"].tolist() == [f"user prompt also appears in {sft}:1", None, None]


# --- verdicts and the summary ----------------------------------------------------------------------

POLICY = Policy(max_duplicate_rate=0.05, length_bias_min=0.3, length_bias_max=0.7, length_bias_min_pairs=20)


@pytest.mark.parametrize(
    ("obs", "policy", "status"),
    [
        (Observation("sft.role_order", "s.jsonl", rows=10), POLICY, "pass"),
        (Observation("sft.role_order", "s.jsonl", rows=10, unexpected=1, lines=(4,)), POLICY, "fail"),
        (Observation("sft.duplicates", "s.jsonl", rows=100, unexpected=5, lines=(9,)), POLICY, "warn"),
        (Observation("sft.duplicates", "s.jsonl", rows=100, unexpected=6, lines=(9,)), POLICY, "fail"),
        (Observation("preference.length_bias", "p.jsonl", rows=50, observed=0.7, support=50), POLICY, "pass"),
        (
            Observation("preference.length_bias", "p.jsonl", rows=50, observed=0.72, support=50),
            POLICY,
            "fail",
        ),
        (Observation("preference.length_bias", "p.jsonl", rows=50, observed=0.2, support=50), POLICY, "fail"),
        (Observation("preference.length_bias", "p.jsonl", rows=5, observed=1.0, support=5), POLICY, "warn"),
        (Observation("preference.length_bias", "p.jsonl", rows=0), POLICY, "pass"),
        (Observation("sft.pii", "s.jsonl", rows=3, unexpected=1, lines=(2,)), POLICY, "fail"),
        (
            Observation("sft.pii", "s.jsonl", rows=3, unexpected=1, lines=(2,)),
            Policy(pii_action="redact"),
            "warn",
        ),
        (Observation("sft.rows_present", "s.jsonl", rows=0), POLICY, "fail"),
        (Observation("sft.parse", "s.jsonl", rows=3, error="boom"), POLICY, "fail"),
        (Observation("golden.contamination", "g.jsonl", rows=3, note="no training file"), POLICY, "warn"),
        (
            Observation("sft.token_length", "s.jsonl", rows=3, unexpected=1, lines=(3,)),
            Policy(warn_only=frozenset({"sft.token_length"})),
            "warn",
        ),
    ],
)
def test_decide(obs, policy, status):
    assert decide(obs, policy).status == status


def test_empty_file_verdict_names_line_one():
    verdict = decide(Observation("sft.rows_present", "sft.jsonl", rows=0), POLICY)
    assert summary_line(verdict) == (
        "FAIL sft.jsonl:1 sft.rows_present: no records: the file is empty; first offending lines 1"
    )


def test_summary_names_file_rule_count_and_first_lines():
    obs = Observation(
        "sft.role_order", "sft.jsonl", rows=440, unexpected=7, lines=(3, 17, 42, 50, 61, 70, 99),
        examples=((3, "messages[2] is 'user' after 'user', expected 'assistant'"),),
    )  # fmt: skip
    line = summary_line(decide(obs, POLICY))
    assert line == (
        "FAIL sft.jsonl:3 sft.role_order: 7 of 440 rows (line 3: messages[2] is 'user' after 'user', "
        "expected 'assistant'); first offending lines 3, 17, 42, 50, 61 (+2 more)"
    )


def test_summary_lists_failures_before_warnings_and_skips_passes():
    verdicts = [
        decide(Observation("sft.duplicates", "s.jsonl", rows=100, unexpected=1, lines=(5,)), POLICY),
        decide(Observation("sft.parse", "s.jsonl", rows=100), POLICY),
        decide(Observation("sft.parse", "t.jsonl", rows=100, unexpected=1, lines=(8,)), POLICY),
    ]
    assert [line.split()[0] for line in summary_lines(verdicts)] == ["FAIL", "WARN"]


def test_mlflow_logging_follows_config_then_environment(monkeypatch):
    monkeypatch.delenv("TUNELINE_TRACKING_URI", raising=False)
    assert should_log(ValidateDataConfig()) is False
    assert should_log(ValidateDataConfig(log_to_mlflow=True)) is True
    monkeypatch.setenv("TUNELINE_TRACKING_URI", "sqlite:///x.db")
    assert should_log(ValidateDataConfig()) is True
    assert should_log(ValidateDataConfig(log_to_mlflow=False)) is False


@pytest.mark.parametrize(
    ("override", "says"),
    [
        ("sft_file=/nonexistent/sft.jsonl", "sft_file /nonexistent/sft.jsonl does not exist"),
        ("warn_only=[sft.lenght]", "warn_only names unknown rules ['sft.lenght']"),
        ("length_bias_min=0.9", "length_bias_min must not exceed length_bias_max"),
    ],
)
def test_config_mistakes_are_clean_errors(override, says, capsys):
    from components.validate_data.__main__ import main

    smoke = Path(__file__).resolve().parents[2] / "configs" / "smoke" / "validate_data.yaml"
    assert main(["--config", str(smoke), override, "preference_file=null", "golden_file=null"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and says in err and "Traceback" not in err


# --- table-driven: malformed inputs fail with the rule and the line, never a traceback -------------


def sft_row(n: int, *messages: dict) -> dict:
    return {
        "id": f"sft-{n}",
        "messages": list(messages) or [SYSTEM, msg("user", f"question {n}"), msg("assistant", f"answer {n}")],
    }


def pref_row(n: int, chosen: str | None = None, rejected: str | None = None) -> dict:
    return {
        "id": f"pref-{n}",
        "prompt": [SYSTEM, msg("user", f"question {n}")],
        "chosen": [msg("assistant", chosen or f"good answer {n}")],
        "rejected": [msg("assistant", rejected or f"bad {n}")],
    }


def gold_row(n: int, prompt: str | None = None, reference: str = "ref", **facts: list[str]) -> dict:
    return {
        "id": f"gold-{n}",
        "prompt": [SYSTEM, msg("user", prompt or f"held-out evaluation prompt number {n}")],
        "reference": reference,
        **facts,
    }


def jsonl(*rows: dict | bytes) -> bytes:
    return b"".join((r if isinstance(r, bytes) else json.dumps(r).encode()) + b"\n" for r in rows)


GOOD = {"sft": jsonl(sft_row(1)), "preference": jsonl(pref_row(1)), "golden": jsonl(gold_row(1))}
S1, P1, G1 = sft_row(1), pref_row(1), gold_row(1)
LONG = "word " * 600  # ~600 tokens, over max_tokens=512
CARD = "Charge 4111 1111 1111 1111"  # Luhn-valid
NO_REJECTED = {k: v for k, v in pref_row(2).items() if k != "rejected"}
LEAKED = "How do I move a page into another notebook?"
LEAKED_IN_TRAINING = sft_row(2, msg("user", f"Hi! {LEAKED.lower()} Thanks"), msg("assistant", "a"))
NEAR_COPY = sft_row(2, msg("user", "Can I move a page into another notebook?"), msg("assistant", "a"))
PLUS = "Plus costs $6 per month."
# name: (files that replace GOOD's, the failing rule, the file:line its summary names, what it says)
# fmt: off
CASES = {
    "missing field":              ({"sft": jsonl(S1, {"id": "sft-2"})}, "sft.required_fields", "sft.jsonl:2", "missing 'messages'"),
    "empty string":               ({"sft": jsonl(S1, sft_row(2, msg("user"), msg("assistant", "")))}, "sft.empty_content", "sft.jsonl:2", "(assistant) content is empty"),
    "wrong type":                 ({"sft": jsonl(S1, {"id": "x", "messages": "hello"})}, "sft.field_types", "sft.jsonl:2", "'messages' is string, expected array"),
    "content not a string":       ({"sft": jsonl(sft_row(2, msg("user"), {"role": "assistant", "content": 5}))}, "sft.message_format", "sft.jsonl:1", "content is integer, expected string"),
    "bad role order":             ({"sft": jsonl(S1, sft_row(2, msg("user"), msg("user"), msg("assistant")))}, "sft.role_order", "sft.jsonl:2", "messages[1] is 'user' after 'user'"),
    "unknown role":               ({"sft": jsonl(sft_row(2, msg("user"), msg("bot")))}, "sft.roles_allowed", "sft.jsonl:1", "role 'bot'"),
    "no final assistant turn":    ({"sft": jsonl(S1, sft_row(2, SYSTEM, msg("user")))}, "sft.ends_with_assistant", "sft.jsonl:2", "ends with a 'user' turn"),
    "chosen == rejected":         ({"preference": jsonl(P1, pref_row(2, "Same answer.", "same  ANSWER."))}, "preference.chosen_differs", "preference.jsonl:2", "chosen equals rejected"),
    "missing rejected":           ({"preference": jsonl(P1, NO_REJECTED)}, "preference.required_fields", "preference.jsonl:2", "missing 'rejected'"),
    "duplicate rows":             ({"sft": jsonl(S1, sft_row(2), S1)}, "sft.duplicates", "sft.jsonl:3", "same as line 1"),
    "duplicate pairs":            ({"preference": jsonl(P1, P1)}, "preference.duplicates", "preference.jsonl:2", "same as line 1"),
    "over-long example":          ({"sft": jsonl(S1, sft_row(2, msg("user"), msg("assistant", LONG)))}, "sft.token_length", "sft.jsonl:2", "over 512 tokens"),
    "e-mail in a response":       ({"sft": jsonl(S1, sft_row(2, msg("user"), msg("assistant", "Mail jane.doe@gmail.com")))}, "sft.pii", "sft.jsonl:2", "email ja***@gmail.com"),
    "Luhn-valid card number":     ({"sft": jsonl(S1, sft_row(2, msg("user", CARD), msg("assistant")))}, "sft.pii", "sft.jsonl:2", "credit_card ***1111"),
    "IP address in a prompt":     ({"golden": jsonl(gold_row(1, "Why is 10.20.30.40 blocked?"))}, "golden.pii", "golden.jsonl:1", "ip_address 10.20.***"),
    "golden prompt in training":  ({"golden": jsonl(G1, gold_row(2, LEAKED)), "sft": jsonl(S1, LEAKED_IN_TRAINING)}, "golden.contamination", "golden.jsonl:2", "sft.jsonl:2"),
    "empty reference":            ({"golden": jsonl(gold_row(1, reference=""))}, "golden.empty_content", "golden.jsonl:1", "'reference' is empty"),
    "near-copy of a golden prompt": ({"golden": jsonl(G1, gold_row(2, "Can I move a page into another notebook quickly?")), "sft": jsonl(S1, NEAR_COPY)}, "golden.contamination", "golden.jsonl:2", "near-copy of"),
    "key fact not in reference":  ({"golden": jsonl(gold_row(1, reference=PLUS, key_facts=["$60"]))}, "golden.key_facts", "golden.jsonl:1", "key fact '$60' is not stated in the reference"),
    "wrong fact in reference":    ({"golden": jsonl(gold_row(1, reference=PLUS, key_facts=["$6"], wrong_facts=["per month"]))}, "golden.key_facts", "golden.jsonl:1", "wrong fact 'per month' is stated in the reference"),
    "non-JSON line":              ({"sft": jsonl(S1, b"{not json")}, "sft.parse", "sft.jsonl:2", "not valid JSON"),
    "JSON that is not an object": ({"preference": jsonl(P1, b'["a", "b"]')}, "preference.parse", "preference.jsonl:2", "JSON list, expected an object"),
    "empty file":                 ({"sft": b""}, "sft.rows_present", "sft.jsonl:1", "the file is empty"),
    "non-UTF-8 bytes":            ({"sft": jsonl(S1, b'{"id": "caf\xe9"}')}, "sft.parse", "sft.jsonl:2", "not valid UTF-8"),
}
# fmt: on


def run_validate(tmp_path: Path, files: dict[str, bytes], base_model: Path) -> int:
    from components.validate_data.__main__ import main

    args = []
    for kind, content in {**GOOD, **files}.items():
        path = tmp_path / f"{kind}.jsonl"
        path.write_bytes(content)
        args.append(f"{kind}_file={path}")
    smoke = Path(__file__).resolve().parents[2] / "configs" / "smoke" / "validate_data.yaml"
    return main(["--config", str(smoke), *args, f"base_model={base_model}", f"out_dir={tmp_path / 'out'}"])


def test_the_good_rows_alone_pass(tmp_path, tiny_model_dir, capsys):
    assert run_validate(tmp_path, {}, tiny_model_dir) == 0, capsys.readouterr().err


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_input_fails_naming_rule_and_line(case, tmp_path, tiny_model_dir, capsys):
    files, rule, where, says = CASES[case]
    status = run_validate(tmp_path, files, tiny_model_dir)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("error: data validation FAILED"), err
    assert "Traceback" not in err
    failures = [line for line in err.splitlines() if line.startswith("FAIL ")]
    assert len(failures) == 1, failures  # exactly the rule the case breaks
    assert failures[0].startswith(f"FAIL {tmp_path / where} {rule}: "), failures[0]
    line_number = where.rsplit(":", 1)[1]
    assert f"first offending lines {line_number}" in failures[0]
    assert says in failures[0]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [r["rule"] for r in report["rules"] if r["status"] == "fail"] == [rule]

"""Generate the demo support datasets used by tuneline's examples (Quillnote, or a second product).

Run from the repository root (stdlib only, no network):

    python data/generate_demo_data.py --out data/raw                                    # Quillnote
    python data/generate_demo_data.py --product parcelpoint --out data/products/parcelpoint

This writes three JSONL files (schemas in data/README.md):

* ``sft.jsonl``        chat examples for supervised fine-tuning
* ``preference.jsonl`` chosen/rejected pairs in TRL's conversational preference format
* ``golden.jsonl``     held-out questions with reference answers for evaluation

The facts live in ``data/demo_facts.py`` (Quillnote) and ``data/parcelpoint_facts.py`` (Parcelpoint, a
parcel-locker service); a `Product` bundles a fact sheet with its seed, system prompt and product-flavoured
filler text. Output is fully deterministic: one ``random.Random(product.seed)`` drives every choice, so
running the script twice gives byte-identical files. Golden questions come only from each fact's
``held_out`` paraphrases, which training files never use.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import demo_facts
import parcelpoint_facts
from demo_facts import Fact

SEED = 20261126  # Quillnote's; every product has its own (Product.seed)
DATA_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = DATA_DIR / "raw"

SFT_SINGLE_TURN_PER_FACT = 16  # every training paraphrase once (facts have 16)
SFT_TWO_TURN_CONVERSATIONS = 48
PREFERENCE_PAIRS_PER_FACT = 6
REJECTION_TYPES = ("wrong", "rude", "evasive", "verbose")
MAX_ANSWER_WORDS = 60
MIN_TRAIN_QUESTIONS = 6
MAX_GOLDEN_JACCARD = 0.6  # a training question this close (token Jaccard) to a held-out one is a near-copy

Record = dict[str, Any]

# --- How users phrase things ------------------------------------------------------------------------------

# Quillnote's greetings, evasive answers and verbose filler; other products bring their own (see `Product`).
GREETINGS = (
    "Hi!",
    "Hello!",
    "Hey there!",
    "Hi Quill,",
    "Hello Quill,",
    "Quick question:",
    "Sorry if this is obvious, but",
    "Hoping you can help:",
)
SIGN_OFFS = ("Thanks!", "thanks!", "Thank you.", "Appreciate it!", "Cheers.", "Thanks in advance.")
FOLLOW_UPS = (
    "Thanks! Also,",
    "Got it. One more thing:",
    "Great, that helps. And",
    "Perfect, thank you.",
    "Okay, makes sense.",
)
# A question right after one of these endings continues the sentence, so its first letter is lowercased.
JOINER_ENDINGS = (",", ":", " but", " And")
GREETING_RATE = 0.35
CONTEXT_RATE = 0.25
SIGN_OFF_RATE = 0.25
LOWERCASE_RATE = 0.07
NO_QUESTION_MARK_RATE = 0.07

# --- How the assistant phrases things ---------------------------------------------------------------------

ANSWER_OPENERS = ("Happy to help! ", "Sure! ", "Good question! ", "Of course! ")
ANSWER_OPENER_RATE = 0.2

# --- Bad answers for preference pairs ---------------------------------------------------------------------

# {answer}: the canonical answer; {first}: its first sentence. Templates without either give no help at all.
RUDE_TEMPLATES = (
    "Ugh, this is in the docs. {first}",
    "Seriously? {first} Try reading the help center next time.",
    "{first} Not sure why you couldn't find that yourself.",
    "Fine, if you really can't work it out: {answer}",
    "That's a pretty basic question. {answer}",
    "Whatever. {first}",
    "Didn't you read the manual? {answer}",
    "Figure it out yourself, it's not that hard.",
    "I don't have time for this. Just look in Settings.",
)
EVASIVE_ANSWERS = (
    "I'm not sure, please check the docs.",
    "Hmm, I can't say for certain. Try searching the help center.",
    "That depends on your setup. You might want to contact support.",
    "I'd rather not guess, since it may have changed. Please check quillnote.com/help.",
    "There are a few possibilities, so it's hard to say. Maybe ask your workspace admin?",
    "I don't have that information right now. Please reach out to our support team.",
    "It varies from case to case. Have a look around Settings and see if anything helps.",
    "Good question! I'm not certain, though, so please check the documentation.",
)
VERBOSE_INTROS = (
    "Thank you so much for reaching out, and what a great question!",
    "I completely understand why you'd want to know this, and I'm really glad you asked.",
    "Before I answer, I just want to say that we truly appreciate you using Quillnote.",
    "Questions about {topic} come up quite often, so you're definitely not alone in wondering about this.",
    "There's quite a bit of background here, so let me walk through it step by step.",
    "Let me start by saying that this is one of the topics people ask us about the most.",
)
VERBOSE_OUTROS = (
    "I hope this rather detailed explanation helps, and please don't hesitate to reach out again if "
    "anything is unclear.",
    "Of course, every team is different, so your experience may vary a little depending on how you use "
    "Quillnote.",
    "If you have any other questions at all, about this or anything else, we're always here and happy "
    "to help.",
    "As always, we're constantly improving Quillnote, so it's worth keeping an eye on our release notes too.",
    "Thanks again for your patience in reading through all of this, and have a wonderful rest of your day!",
)

SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


# --- Products ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    """A fact sheet plus everything product-specific around it: the seed, the system prompt, the name that is
    never lowercased, and the filler text that names the product or its assistant."""

    name: str
    seed: int
    default_out: Path
    system_prompt: str
    facts: tuple[Fact, ...]
    categories: tuple[str, ...]
    category_topics: dict[str, str]
    category_contexts: dict[str, tuple[str, ...]]
    greetings: tuple[str, ...]
    evasive_answers: tuple[str, ...]
    verbose_intros: tuple[str, ...]
    verbose_outros: tuple[str, ...]
    # held-out questions matching this (e.g. the product's name) are refused: golden prompts stay unnamed
    held_out_forbidden: re.Pattern[str] | None = None


QUILLNOTE = Product(
    name="Quillnote",
    seed=SEED,
    default_out=DEFAULT_OUT,
    system_prompt=demo_facts.SYSTEM_PROMPT,
    facts=demo_facts.FACTS,
    categories=demo_facts.CATEGORIES,
    category_topics=demo_facts.CATEGORY_TOPICS,
    category_contexts=demo_facts.CATEGORY_CONTEXTS,
    greetings=GREETINGS,
    evasive_answers=EVASIVE_ANSWERS,
    verbose_intros=VERBOSE_INTROS,
    verbose_outros=VERBOSE_OUTROS,
)
PARCELPOINT = Product(
    name="Parcelpoint",
    seed=20270315,
    default_out=DATA_DIR / "products" / "parcelpoint",
    system_prompt=parcelpoint_facts.SYSTEM_PROMPT,
    facts=parcelpoint_facts.FACTS,
    categories=parcelpoint_facts.CATEGORIES,
    category_topics=parcelpoint_facts.CATEGORY_TOPICS,
    category_contexts=parcelpoint_facts.CATEGORY_CONTEXTS,
    greetings=parcelpoint_facts.GREETINGS,
    evasive_answers=parcelpoint_facts.EVASIVE_ANSWERS,
    verbose_intros=parcelpoint_facts.VERBOSE_INTROS,
    verbose_outros=parcelpoint_facts.VERBOSE_OUTROS,
    held_out_forbidden=re.compile(r"(?i:parcel\s*-?\s*point)|\bParcel\b"),
)
PRODUCTS: dict[str, Product] = {"quillnote": QUILLNOTE, "parcelpoint": PARCELPOINT}


# --- Text helpers -----------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lowercase, drop punctuation and collapse whitespace; used for the train/golden overlap check."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def token_jaccard(a: str, b: str) -> float:
    """|A & B| / |A | B| over the lowercased word sets: how near a training question is to a golden one."""
    left, right = set(re.findall(r"\w+", a.lower())), set(re.findall(r"\w+", b.lower()))
    return len(left & right) / len(left | right) if left | right else 0.0


def sentences(text: str) -> list[str]:
    return SENTENCE_BREAK.split(text.strip())


def decapitalise(question: str, product: Product = QUILLNOTE) -> str:
    """Lowercase the first letter when the question continues a sentence ("Hi Quill, how do I ...")."""
    first_word = question.split(" ", 1)[0]
    if first_word.isalpha() and first_word[1:].islower() and first_word not in ("I", product.name):
        return question[0].lower() + question[1:]
    return question


def after_joiner(lead: str, question: str, product: Product = QUILLNOTE) -> str:
    return f"{lead} {decapitalise(question, product) if lead.endswith(JOINER_ENDINGS) else question}"


# --- Fact checks ------------------------------------------------------------------------------------------


def check_facts(facts: Sequence[Fact], product: Product = QUILLNOTE) -> None:
    """Fail loudly if the fact sheet breaks an invariant the datasets rely on."""
    problems: list[str] = []
    keys = [fact.key for fact in facts]
    problems += [f"duplicate fact key {key!r}" for key in sorted({k for k in keys if keys.count(k) > 1})]
    all_questions = [normalise(q) for fact in facts for q in fact.questions + fact.held_out]
    problems += [
        f"duplicate question {q!r}" for q in sorted({q for q in all_questions if all_questions.count(q) > 1})
    ]
    for fact in facts:
        if fact.category not in product.categories:
            problems.append(f"{fact.key}: unknown category {fact.category!r}")
        if len(fact.questions) < MIN_TRAIN_QUESTIONS:
            problems.append(f"{fact.key}: needs at least {MIN_TRAIN_QUESTIONS} training questions")
        if not 1 <= len(fact.held_out) <= 2:
            problems.append(f"{fact.key}: needs 1 or 2 held-out questions")
        if len(fact.answer.split()) > MAX_ANSWER_WORDS:
            problems.append(f"{fact.key}: answer is longer than {MAX_ANSWER_WORDS} words")
        if not 1 <= len(sentences(fact.answer)) <= 3:
            problems.append(f"{fact.key}: answer must be 1-3 sentences")
        if normalise(fact.wrong) == normalise(fact.answer):
            problems.append(f"{fact.key}: wrong answer equals the canonical answer")
        for question in fact.questions + fact.held_out:
            if not question.endswith(("?", ".")):
                problems.append(f"{fact.key}: question must end with '?' or '.': {question!r}")
        forbidden = product.held_out_forbidden
        for question in fact.held_out:
            if forbidden is not None and forbidden.search(question):
                problems.append(f"{fact.key}: held-out question names the product: {question!r}")
        problems += fact_value_problems(fact)
    padded_train = [f" {normalise(q)} " for fact in facts for q in fact.questions]
    for fact in facts:
        for question in fact.held_out:
            if any(f" {normalise(question)} " in train for train in padded_train):
                problems.append(f"{fact.key}: held-out question leaks into training: {question!r}")
    held_out = [q for fact in facts for q in fact.held_out]
    for fact in facts:
        for question in fact.questions:
            near = [q for q in held_out if token_jaccard(question, q) >= MAX_GOLDEN_JACCARD]
            if near:
                problems.append(f"{fact.key}: training question {question!r} is a near-copy of {near[0]!r}")
    for category in product.categories:
        if not any(fact.category == category for fact in facts):
            problems.append(f"category {category!r} has no facts")
    if problems:
        raise ValueError("invalid fact sheet:\n  " + "\n  ".join(problems))


def fact_value_problems(fact: Fact) -> list[str]:
    """Key facts must be in the canonical answer, wrong facts in the wrong answer and not in the canonical one
    (case-insensitive containment here; the tests also check them with the evaluation's fact matcher)."""
    answer, wrong = fact.answer.casefold(), fact.wrong.casefold()
    problems = [] if fact.key_facts else [f"{fact.key}: needs at least one key fact"]
    problems += [
        f"{fact.key}: key fact {k!r} is not in the answer"
        for k in fact.key_facts
        if k.casefold() not in answer
    ]
    problems += [] if fact.wrong_facts else [f"{fact.key}: needs at least one wrong fact"]
    for value in fact.wrong_facts:
        if value.casefold() not in wrong:
            problems.append(f"{fact.key}: wrong fact {value!r} is not in the wrong answer")
        if value.casefold() in answer:
            problems.append(f"{fact.key}: wrong fact {value!r} occurs in the canonical answer")
    return problems


# --- Message builders -------------------------------------------------------------------------------------


def system_message(product: Product = QUILLNOTE) -> dict[str, str]:
    return {"role": "system", "content": product.system_prompt}


def user_message(content: str) -> dict[str, str]:
    return {"role": "user", "content": content}


def assistant_message(content: str) -> dict[str, str]:
    return {"role": "assistant", "content": content}


def render_user_turn(question: str, category: str, rng: random.Random, product: Product = QUILLNOTE) -> str:
    """Wrap a paraphrase in optional greeting, context and sign-off, with some casual typing."""
    greeting = rng.choice(product.greetings) if rng.random() < GREETING_RATE else ""
    context = rng.choice(product.category_contexts[category]) if rng.random() < CONTEXT_RATE else ""
    sign_off = rng.choice(SIGN_OFFS) if rng.random() < SIGN_OFF_RATE else ""
    style = rng.random()
    if style < LOWERCASE_RATE:
        question = question.lower()
    elif style < LOWERCASE_RATE + NO_QUESTION_MARK_RATE and not sign_off:
        question = question.removesuffix("?")
    lead = " ".join(part for part in (greeting, context) if part)
    text = after_joiner(lead, question, product) if lead else question
    return f"{text} {sign_off}" if sign_off else text


def unique_user_turn(
    question: str, category: str, rng: random.Random, seen: set[str], product: Product = QUILLNOTE
) -> str:
    """A rendering of ``question`` not yet used in this file (membership only; never iterated)."""
    for _ in range(50):
        text = render_user_turn(question, category, rng, product)
        if text not in seen:
            seen.add(text)
            return text
    raise RuntimeError(f"could not find a fresh rendering of {question!r}")


def with_opener(answer: str, rng: random.Random) -> str:
    return rng.choice(ANSWER_OPENERS) + answer if rng.random() < ANSWER_OPENER_RATE else answer


def shuffled(items: Sequence[str], rng: random.Random) -> list[str]:
    result = list(items)
    rng.shuffle(result)
    return result


def number(records: list[Record], prefix: str, width: int) -> list[Record]:
    return [{"id": f"{prefix}-{index:0{width}d}", **record} for index, record in enumerate(records, 1)]


# --- Datasets ---------------------------------------------------------------------------------------------


def build_sft(facts: Sequence[Fact], rng: random.Random, product: Product = QUILLNOTE) -> list[Record]:
    """Single-turn examples for every fact, plus two-turn conversations within one category."""
    seen: set[str] = set()
    records: list[Record] = []
    for fact in facts:
        questions = shuffled(fact.questions, rng)
        for index in range(SFT_SINGLE_TURN_PER_FACT):
            user = unique_user_turn(questions[index % len(questions)], fact.category, rng, seen, product)
            messages = [
                system_message(product),
                user_message(user),
                assistant_message(with_opener(fact.answer, rng)),
            ]
            records.append({"category": fact.category, "messages": messages})
    for index in range(SFT_TWO_TURN_CONVERSATIONS):
        category = product.categories[index % len(product.categories)]
        first, second = rng.sample([fact for fact in facts if fact.category == category], 2)
        opening = unique_user_turn(rng.choice(first.questions), category, rng, seen, product)
        follow_up = after_joiner(rng.choice(FOLLOW_UPS), rng.choice(second.questions), product)
        messages = [
            system_message(product),
            user_message(opening),
            assistant_message(with_opener(first.answer, rng)),
            user_message(follow_up),
            assistant_message(second.answer),
        ]
        records.append({"category": category, "messages": messages})
    rng.shuffle(records)
    return number(records, "sft", 4)


def rude_answer(fact: Fact, rng: random.Random) -> str:
    template = rng.choice(RUDE_TEMPLATES)
    return template.format(answer=fact.answer, first=sentences(fact.answer)[0])


def verbose_answer(fact: Fact, rng: random.Random, product: Product = QUILLNOTE) -> str:
    topic = product.category_topics[fact.category]
    intros = [line.format(topic=topic) for line in rng.sample(product.verbose_intros, 2)]
    return " ".join([*intros, fact.answer, *rng.sample(product.verbose_outros, 2)])


def wrong_answer(fact: Fact, facts: Sequence[Fact], attempt: int, rng: random.Random) -> str:
    """First a plausible wrong value; then the answer to a different question from the same category."""
    if attempt == 0:
        return fact.wrong
    neighbours = [other for other in facts if other.category == fact.category and other.key != fact.key]
    return rng.choice(neighbours).answer


def build_preference(facts: Sequence[Fact], rng: random.Random, product: Product = QUILLNOTE) -> list[Record]:
    """Chosen = canonical answer; rejected types rotate per fact so the four types stay balanced."""
    seen: set[str] = set()
    records: list[Record] = []
    for fact_index, fact in enumerate(facts):
        questions = shuffled(fact.questions, rng)
        wrong_attempts = 0
        for index in range(PREFERENCE_PAIRS_PER_FACT):
            rejection_type = REJECTION_TYPES[(fact_index + index) % len(REJECTION_TYPES)]
            user = unique_user_turn(questions[index % len(questions)], fact.category, rng, seen, product)
            if rejection_type == "wrong":
                rejected = wrong_answer(fact, facts, wrong_attempts, rng)
                wrong_attempts += 1
            elif rejection_type == "rude":
                rejected = rude_answer(fact, rng)
            elif rejection_type == "evasive":
                rejected = rng.choice(product.evasive_answers)
            else:
                rejected = verbose_answer(fact, rng, product)
            records.append(
                {
                    "category": fact.category,
                    "rejection_type": rejection_type,
                    "prompt": [system_message(product), user_message(user)],
                    "chosen": [assistant_message(fact.answer)],
                    "rejected": [assistant_message(rejected)],
                }
            )
    rng.shuffle(records)
    return number(records, "pref", 4)


def build_golden(facts: Sequence[Fact], product: Product = QUILLNOTE) -> list[Record]:
    """One evaluation item per held-out paraphrase, in fact-sheet order, with the facts a right answer states
    (`key_facts`) and those of the plausible wrong answer (`wrong_facts`)."""
    records = [
        {
            "category": fact.category,
            "prompt": [system_message(product), user_message(question)],
            "reference": fact.answer,
            "key_facts": list(fact.key_facts),
            "wrong_facts": list(fact.wrong_facts),
        }
        for fact in facts
        for question in fact.held_out
    ]
    return number(records, "gold", 3)


def build_all(product: Product = QUILLNOTE) -> dict[str, list[Record]]:
    facts = product.facts
    check_facts(facts, product)
    rng = random.Random(product.seed)
    return {
        "sft.jsonl": build_sft(facts, rng, product),
        "preference.jsonl": build_preference(facts, rng, product),
        "golden.jsonl": build_golden(facts, product),
    }


# --- Output -----------------------------------------------------------------------------------------------


def to_jsonl(records: Sequence[Record]) -> bytes:
    lines = (json.dumps(record, ensure_ascii=False, sort_keys=True) for record in records)
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def write_datasets(out_dir: Path, product: Product = QUILLNOTE) -> dict[Path, bytes]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[Path, bytes] = {}
    for name, records in build_all(product).items():
        path = out_dir / name
        path.write_bytes(to_jsonl(records))
        written[path] = path.read_bytes()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--product",
        choices=sorted(PRODUCTS),
        default="quillnote",
        help="which fact sheet (default: quillnote)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: data/raw for quillnote, data/products/<product> otherwise)",
    )
    args = parser.parse_args(argv)
    product = PRODUCTS[args.product]
    for path, content in write_datasets(args.out or product.default_out, product).items():
        lines = content.count(b"\n")
        print(f"wrote {path} ({lines} lines, sha256 {hashlib.sha256(content).hexdigest()[:16]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""great-expectations suites built in code, run on the feature frames, with a Data Docs site as output.

    observations, timings = run_suites(frames, files, cfg, docs_dir=Path("artifacts/validate_data/data_docs"))

One ephemeral context per run (nothing on disk but the Data Docs), a pandas data source with one
dataframe asset per dataset kind, an expectation suite per kind (versioned here, with the repo), and a
validation definition run through a checkpoint whose action renders Data Docs. Each expectation's
`meta.rule` names the tuneline rule it checks; results come back as `Observation`s for verdict.py.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from components.validate_data.config import ValidateDataConfig
from components.validate_data.rules import RULES, RuleDef, rule_id
from components.validate_data.verdict import Observation

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

SITE = "tuneline"
RESULT_FORMAT = {"result_format": "COMPLETE"}  # every unexpected row index, not a sample


def import_great_expectations() -> Any:
    """Import gx with telemetry off (it is the slow part of a validation: about 3 s)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its INFO lines are internals
    import great_expectations as gx

    for name in list(logging.root.manager.loggerDict):  # some of its modules set INFO on themselves
        if name.startswith("great_expectations."):
            logging.getLogger(name).setLevel(logging.WARNING)

    return gx


def make_expectation(kind: str, rule: RuleDef, cfg: ValidateDataConfig) -> Expectation:
    """The great-expectations expectation that checks one rule, thresholds taken from the config."""
    import great_expectations.expectations as gxe

    meta = {"rule": rule_id(kind, rule), "description": rule.description}
    if rule.check == "min_rows":
        return gxe.ExpectTableRowCountToBeBetween(min_value=1, meta=meta)
    if rule.check == "max":
        return gxe.ExpectColumnValuesToBeBetween(column=rule.column, max_value=cfg.max_tokens, meta=meta)
    if rule.check == "mean_between":
        return gxe.ExpectColumnMeanToBeBetween(
            column=rule.column, min_value=cfg.length_bias_min, max_value=cfg.length_bias_max, meta=meta
        )
    mostly = 1.0 - cfg.max_duplicate_rate if rule.name == "duplicates" else 1.0
    return gxe.ExpectColumnValuesToBeNull(column=rule.column, mostly=mostly, meta=meta)


def build_suite(gx: Any, kind: str, cfg: ValidateDataConfig) -> Any:
    """The expectation suite of one dataset kind."""
    suite = gx.ExpectationSuite(name=f"tuneline_{kind}", meta={"kind": kind})
    for rule in RULES[kind]:
        suite.add_expectation(make_expectation(kind, rule, cfg))
    return suite


def make_context(gx: Any, docs_dir: Path | None) -> Any:
    """An ephemeral context whose only Data Docs site (if any) is `docs_dir`, without progress bars."""
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    for name in list(context.list_data_docs_sites()):
        context.delete_data_docs_site(name)  # the default site writes to a temp folder
    if docs_dir is not None:
        shutil.rmtree(docs_dir, ignore_errors=True)  # the site shows this run only
        site = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),  # GE needs an absolute path
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
        context.add_data_docs_site(site_name=SITE, site_config=site)
    return context


def _observation(result: Any, frame: pd.DataFrame, file: str, max_examples: int) -> Observation:
    """Turn one expectation result into the plain values verdict.py judges."""
    config = result.expectation_config
    column = config.kwargs.get("column")
    values = result.result or {}
    lines = tuple(_line(i) for i in values.get("unexpected_index_list") or ())
    found = values.get("unexpected_list") or ()
    examples = tuple(
        (line, _describe(value)) for line, value in zip(lines[:max_examples], found, strict=False)
    )
    raised = result.exception_info and result.exception_info.get("raised_exception")
    observed = values.get("observed_value")
    return Observation(
        rule=config.meta["rule"],
        file=file,
        rows=len(frame),
        unexpected=int(values.get("unexpected_count") or 0),
        lines=lines,
        examples=examples,
        observed=float(observed) if isinstance(observed, int | float) and observed == observed else None,
        support=int(frame[column].notna().sum()) if column else len(frame),
        error=str(result.exception_info.get("exception_message")) if raised else None,
        expectation={
            "type": config.type,
            "kwargs": {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "result_format")},
        },
        ge_success=bool(result.success),
    )


def _line(index: Any) -> int:
    """GE reports a named index (`line`) as {"line": 7, <column>: value}, an unnamed one as 7."""
    return int(index["line"] if isinstance(index, dict) else index)


def _describe(value: Any) -> str:
    """Row rules report a problem description; the only numeric row rule is the token count."""
    return f"{value:.0f} tokens" if isinstance(value, float) else str(value)


def _validate_kind(
    gx: Any, context: Any, source: Any, kind: str, frame: pd.DataFrame, cfg: ValidateDataConfig, docs: bool
) -> dict[str, Any]:
    """Run one kind's suite through a checkpoint (which renders Data Docs); results by rule name."""
    batch = source.add_dataframe_asset(kind).add_batch_definition_whole_dataframe("whole_file")
    suite = context.suites.add(build_suite(gx, kind, cfg))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"validate_{kind}", data=batch, suite=suite)
    )
    actions = [gx.checkpoint.UpdateDataDocsAction(name="data_docs", site_names=[SITE])] if docs else []
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name=f"tuneline_{kind}",
            validation_definitions=[definition],
            actions=actions,
            result_format=RESULT_FORMAT,
        )
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    return {r.expectation_config.meta["rule"]: r for run in result.run_results.values() for r in run.results}


def run_suites(
    frames: Mapping[str, pd.DataFrame],
    files: Mapping[str, str],
    cfg: ValidateDataConfig,
    docs_dir: Path | None,
) -> tuple[list[Observation], dict[str, float]]:
    """Validate every frame with its suite; returns observations in catalogue order and timings (s)."""
    started = time.perf_counter()
    gx = import_great_expectations()
    timings = {"ge_import_s": time.perf_counter() - started}
    started = time.perf_counter()
    context = make_context(gx, docs_dir)
    source = context.data_sources.add_pandas("tuneline_data")
    timings["ge_context_s"] = time.perf_counter() - started
    started = time.perf_counter()
    observations: list[Observation] = []
    for kind, frame in frames.items():
        results = _validate_kind(gx, context, source, kind, frame, cfg, docs_dir is not None)
        observations += [
            _observation(results[rule_id(kind, rule)], frame, files[kind], cfg.max_examples)
            for rule in RULES[kind]
        ]
    timings["ge_validate_s"] = time.perf_counter() - started
    return observations, timings

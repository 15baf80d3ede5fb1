"""`sitesearch reindex` in process: summary, exit status of a failed job, usage errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from indexer.cli import main
from indexer.pages.rawstore import RawStore
from indexer.settings import Settings


@pytest.mark.slow
def test_failed_job_exits_1_with_a_summary_naming_the_problem(
    job_settings: Settings, store: RawStore
) -> None:
    env = {"SITESEARCH_DATA_DIR": str(job_settings.data_dir),
           "SITESEARCH_SMOKE_QUERIES": '["zzqxvbnonsens"]'}
    result = CliRunner().invoke(main, ["reindex", "--workers", "1"], env=env)
    assert result.exit_code == 1, result.output
    assert "reindex full of 'sitesearch' on tantivy: FAILED" in result.output
    assert "problem: smoke query 'zzqxvbnonsens' found nothing on sitesearch-v1" in result.output
    assert "version None -> None" in result.output
    env["SITESEARCH_SMOKE_QUERIES"] = '["magnesium"]'
    result = CliRunner().invoke(main, ["reindex", "--workers", "1"], env=env)
    assert result.exit_code == 0 and ": ok" in result.output
    assert "version None -> sitesearch-v1" in result.output


def test_rollback_with_a_mode_is_a_usage_error(job_settings: Settings) -> None:
    result = CliRunner().invoke(main, ["reindex", "--rollback", "--incremental"])
    assert result.exit_code == 2
    assert "--rollback cannot be combined" in result.output


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from indexer.cli.reindex import BarProgress, LogProgress

    bar = BarProgress()
    bar.start("parse+enrich+write", 4)
    bar.advance(4)
    bar.finish()
    assert "parse+enrich+write" in capsys.readouterr().err
    lines = LogProgress(every=0.0)
    lines.start("parse", 2)
    lines.advance(1)
    lines.finish()
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "reindex: parse: 2 to do"
    assert err[1].startswith("reindex: parse: 1/2 (")
    assert err[2].startswith("reindex: parse: 1 done in ")

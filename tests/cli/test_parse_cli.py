"""`sitesearch parse`: through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from indexer.cli import main
from tests.nlp.acceptance import DEPRESSION_ENTITIES, DEPRESSION_PERSONS

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "tests" / "data" / "seeds"
DEPRESSION = SEEDS / "000_2197648ae2898235.txt"
ADHD = SEEDS / "002_0ef097b5af8587ff.txt"
SITESEARCH = Path(sys.executable).parent / "sitesearch"
# Smaller than the "too_large" file below (8 kB), larger than the depression seed (5 kB).
LIMIT = {"SITESEARCH_MAX_INPUT_BYTES": "6000"}


def run(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["parse", *args], input=stdin, env=env)


def _entities(page: dict[str, Any]) -> set[tuple[str, str]]:
    return {(e["value"], e["label"]) for e in page["entities"]}


def _check_depression_json(page: dict[str, Any]) -> None:
    assert page["page"]["title"] == "Magnesium bij Depressie: Kan het Helpen?"
    sections = page["page"]["sections"]
    assert [s["number"] for s in sections] == [1, 2, 3, 4, 5]
    assert sections[0]["heading"] == "Individuele Casussen en Observaties"
    assert page["page"]["labels"] == ["Depressie"]
    assert _entities(page) >= DEPRESSION_ENTITIES
    persons = {e["text"] for e in page["entities"] if e["label"] == "PERSON"}
    assert persons >= DEPRESSION_PERSONS


def test_json_output_of_both_seeds() -> None:
    result = run(str(DEPRESSION), str(ADHD), "--json")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    pages = json.loads(result.stdout)
    assert len(pages) == 2
    _check_depression_json(pages[0])
    adhd = pages[1]
    assert len(adhd["page"]["sections"]) == 6
    assert ("magnesium bisglycinaat", "SUPPLEMENT") in _entities(adhd)
    assert adhd["page"]["labels"] == []
    # the flat list is every entity of the page: title's, then passages'
    assert len(adhd["entities"]) == len(adhd["title_entities"]) + sum(
        len(p["entities"]) for p in adhd["passages"]
    )


def test_human_summary_of_a_folder() -> None:
    result = run(str(SEEDS))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("Magnesium bij Depressie: Kan het Helpen?") < out.index("ADHD en Magnesium")
    for line in (
        "    1. Individuele Casussen en Observaties  [2 paragraph(s)]",
        "    5. Conclusie en Toekomstig Onderzoek  [3 paragraph(s)]",
        "    6. Conclusie en Toekomstig Onderzoek  [2 paragraph(s)]",
        "       - Analyse van Individuele Factoren  [4 list item(s)]",
        "  labels: Depressie",
        "  labels: (none)",
        "    PERSON: De Vries, Jansen",
        "    RECEPTOR: NMDA-receptor (2)",
    ):
        assert line in out.splitlines(), line
    assert "SUPPLEMENT: magnesium bisglycinaat (" in out


def test_standard_input() -> None:
    result = run("-", "--json", stdin=DEPRESSION.read_bytes())
    assert result.exit_code == 0, result.output
    [page] = json.loads(result.stdout)
    assert page["page"]["source"] == "<stdin>"
    _check_depression_json(page)


def _bad_inputs(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (file, what stderr must say about it)."""
    files = {
        "empty": (b"", "input is empty"),
        "no_markers": (b"Gewoon wat tekst\nzonder markeringen\n", "no 'top of page' marker"),
        "binary": (bytes(range(256)) * 8, "looks binary"),
        # Latin-1 "Patiënten": the ë is byte 0xeb
        "not_utf8": (b"top of page\nTitel\n\nPati\xebnten\n", "not valid UTF-8 (byte 0xeb"),
        "too_large": (b"top of page\nTitel\n\n" + b"tekst " * 1400 + b"\nbottom of page\n",
                      "too large"),
        "only_title": (b"top of page\nAlleen een titel\nbottom of page\n", "only a title"),
    }
    found = {}
    for name, (data, problem) in files.items():
        path = folder / f"{name}.txt"
        path.write_bytes(data)
        found[name] = (path, problem)
    found["missing"] = (folder / "missing.txt", "cannot read: No such file or directory")
    return found


def test_bad_inputs_are_named_and_good_ones_still_parsed(tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path)
    names = [str(path) for path, _ in bad.values()]
    result = run(*names, str(DEPRESSION), "--json", env=LIMIT)
    assert result.exit_code == 0, result.output
    [page] = json.loads(result.stdout)
    _check_depression_json(page)
    lines = result.stderr.splitlines()
    assert len(lines) == len(bad)
    for (path, problem), line in zip(bad.values(), lines, strict=True):
        assert line.startswith(f"{path}: ")
        assert problem in line
    assert "Traceback" not in result.output


def test_exit_status_is_non_zero_only_when_nothing_parsed(tmp_path: Path) -> None:
    bad = _bad_inputs(tmp_path)
    result = run(*(str(path) for path, _ in bad.values()), env=LIMIT)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines()[-1] == "no page could be parsed"
    assert "Traceback" not in result.output


def test_a_stream_with_one_bad_page_keeps_the_good_one(tmp_path: Path) -> None:
    stream = tmp_path / "stream.txt"
    stream.write_bytes(
        b"top of page\nAlleen een titel\nbottom of page"
        + DEPRESSION.read_bytes()
    )
    result = run(str(stream), "--json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 1
    assert result.stderr.strip() == (
        f"{stream}: page 1 of 2: page 'Alleen een titel' has only a title, no text"
    )


def test_a_bad_setting_is_named() -> None:
    result = run(str(DEPRESSION), env={"SITESEARCH_MAX_INPUT_BYTES": "veel"})
    assert result.exit_code != 0
    assert "SITESEARCH_MAX_INPUT_BYTES" in result.output
    assert "Traceback" not in result.output


def test_help() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "--json" in result.stdout


def test_real_subprocess_json() -> None:
    assert SITESEARCH.exists(), "the project is not installed in this virtualenv"
    done = subprocess.run(
        [str(SITESEARCH), "parse", "tests/data/seeds/000_2197648ae2898235.txt", "--json"],
        cwd=REPO,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    [page] = json.loads(done.stdout)
    _check_depression_json(page)


def test_real_subprocess_bad_file_only(tmp_path: Path) -> None:
    (tmp_path / "leeg.txt").write_bytes(b"")
    done = subprocess.run(
        [str(SITESEARCH), "parse", str(tmp_path / "leeg.txt")],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        f"{tmp_path / 'leeg.txt'}: input is empty",
        "no page could be parsed",
    ]


@pytest.mark.slow
def test_a_real_50_mb_file_is_refused_and_the_rest_parsed(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    with big.open("wb") as out:
        out.write(b"top of page\nGroot\n\n")
        line = b"Magnesium speelt een rol bij depressie en ADHD. " * 20 + b"\n"
        while out.tell() < 50 * 1024 * 1024:
            out.write(line)
        out.write(b"bottom of page\n")
    result = run(str(big), str(ADHD), "--json")
    assert result.exit_code == 0, result.output
    assert [p["page"]["title"] for p in json.loads(result.stdout)] == [
        "ADHD en Magnesium: Kan Magnesium Bisglycinaat Helpen?"
    ]
    [line_] = result.stderr.splitlines()
    assert line_.startswith(f"{big}: input is too large: 52,4")

"""Every example in docs/ runs, the generated references are current, the guide's
finding codes exist and its links resolve.

How a page's examples run (one test per page, in a fresh folder, blocks in order):

* A ```` ```python ```` block runs with ``exec``; the blocks of one page share one
  namespace, like a notebook, so a later block may use what an earlier one made.
* A ```` ```console ```` block holds ``$ command`` lines (``\\`` continues a line);
  the lines under a command are what it prints. ``$ seqguard ...`` runs the CLI in
  this process; any other command runs in ``bash``. Every shown output line must
  appear in what the command printed (spaces collapsed; a ``...`` line stands for
  lines not shown, and a line ending in ``...`` for its start). A command that exits non-zero must be followed by
  ``$ echo $?`` and the exit code, so a page cannot hide a failure.
* A block marked ```` ```python no-run ```` (or ``console no-run``) is shown, not
  run: :data:`NO_RUN_ALLOWED` lists each one, so they stay few and deliberate.
  Other fences (json, text, untagged) are output samples, never run.

Data: generated in the example, or read from ``$SEQGUARD_DATA``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from seqguard.cli import main as cli_main
from seqguard.findings import CODES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TROUBLE = DOCS / "troubleshooting"
PAGES = sorted([*DOCS.glob("*.md"), *TROUBLE.glob("*.md")])
RUN_LANGS = ("python", "console")
NO_RUN = "no-run"
#: Every block shown but not run: (page, first words of the block). Keep it short.
NO_RUN_ALLOWED = {
    ("quickstart.md", "$ make demo   # creates .venv, installs seqguard (torch==2.13.0 first), runs `seqguard demo`"),
    ("quickstart.md", "$ source .venv/bin/activate   # then: seqguard --help"),
    ("keras.md", "import keras"),
}
REGENERATE = "python scripts/gen_reference.py"


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the opening fence
    lang: str
    flags: tuple[str, ...]
    text: str

    @property
    def where(self) -> str:
        page = self.page.relative_to(ROOT) if self.page.is_relative_to(ROOT) else self.page
        return f"{page}:{self.line}"

    @property
    def runs(self) -> bool:
        return self.lang in RUN_LANGS and NO_RUN not in self.flags


def fences(page: Path) -> list[Block]:
    """The fenced code blocks of a Markdown page, parsed by markdown-it."""
    out = []
    for tok in MarkdownIt().parse(page.read_text(encoding="utf-8")):
        if tok.type == "fence":
            lang, *flags = tok.info.split() or [""]
            out.append(Block(page, tok.map[0] + 1 if tok.map else 0, lang, tuple(flags),
                             tok.content))
    return out


def _squash(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Command:
    line: str
    expected: list[str]


def console_commands(text: str) -> list[Command]:
    """``$ command`` lines (``\\`` continues one) with the output lines shown under each."""
    commands: list[Command] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            cmd = line[2:]
            while cmd.endswith("\\") and i + 1 < len(lines):
                i += 1
                cmd = cmd[:-1].rstrip() + " " + lines[i].strip()
            commands.append(Command(cmd.strip(), []))
        elif line.strip():
            if not commands:
                raise AssertionError(f"output line before any '$ ' command: {line!r}")
            commands[-1].expected.append(line)
        i += 1
    return commands


def run_command(cmd: str, last_rc: int, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run one console command in the current folder: (exit code, stdout + stderr)."""
    if cmd == "echo $?":
        return 0, str(last_rc)
    words = shlex.split(os.path.expandvars(cmd))
    if words and words[0] == "seqguard":
        capsys.readouterr()
        try:
            cli_main(words[1:])
            rc = 0
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return rc, out + err
    done = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, timeout=120,
                          check=False)
    return done.returncode, done.stdout + done.stderr


def run_console(block: Block, capsys: pytest.CaptureFixture[str]) -> int:
    """Run a console block; fail on a hidden non-zero exit or output not shown. Commands run."""
    commands = console_commands(block.text)
    assert commands, f"{block.where}: a console block without a '$ ' command"
    rc = 0
    for n, command in enumerate(commands):
        rc, output = run_command(command.line, rc, capsys)
        follows = commands[n + 1].line if n + 1 < len(commands) else ""
        if rc != 0 and follows != "echo $?":
            raise AssertionError(f"{block.where}: `{command.line}` exited {rc} and the page "
                                 f"does not show it (add `$ echo $?`):\n{output}")
        got = _squash(output)
        for want in command.expected:
            want = want.strip().removesuffix("...")  # "text ..." shows the start of a line
            if not want.strip():
                continue
            if _squash(want) not in got:
                raise AssertionError(f"{block.where}: `{command.line}` did not print "
                                     f"{want.strip()!r}; it printed:\n{output}")
    return len(commands)


def run_page(page: Path, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in fences(page):
        if not block.runs:
            continue
        if block.lang == "python":
            code = compile(block.text, block.where, "exec")
            exec(code, namespace)  # noqa: S102 - the point: the page's own example
        else:
            run_console(block, capsys)


def _pages_with_examples() -> list[Path]:
    return [p for p in PAGES if any(b.runs for b in fences(p))]


# ------------------------------------------------------------------ the examples
@pytest.mark.parametrize("page", _pages_with_examples(),
                         ids=lambda p: str(p.relative_to(DOCS)))
def test_examples_run(page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "120")  # rich tables: one width everywhere
    monkeypatch.setattr(sys, "argv", ["seqguard"])
    run_page(page, capsys)


def test_the_guide_pages_have_examples() -> None:
    """The guide's own pages are among those whose examples run (nothing silently dropped)."""
    checked = {p.relative_to(DOCS).as_posix() for p in _pages_with_examples()}
    guide = {"quickstart.md", "missing-data.md", "keras.md", "report.md",
             *(f"troubleshooting/{p.name}" for p in TROUBLE.glob("*.md")
               if p.name != "README.md")}
    assert guide <= checked, sorted(guide - checked)
    assert len(guide) >= 9


def test_no_run_blocks_are_few_and_listed() -> None:
    shown = {(b.page.name, b.text.strip().splitlines()[0])
             for p in PAGES for b in fences(p) if NO_RUN in b.flags}
    assert shown == NO_RUN_ALLOWED, ("blocks marked no-run changed; every example should run: "
                                     f"{sorted(shown ^ NO_RUN_ALLOWED)}")


def test_fence_flags_are_known() -> None:
    """A typo such as ``python norun`` would run or skip a block by accident."""
    bad = [(b.where, b.lang, b.flags) for p in PAGES for b in fences(p)
           if b.lang in RUN_LANGS and set(b.flags) - {NO_RUN}]
    assert not bad


def test_shell_examples_are_console_blocks() -> None:
    """Shell examples are ``console`` blocks (run); an ``sh`` / ``bash`` block would not be."""
    shell = [b.where for p in PAGES for b in fences(p) if b.lang in ("sh", "bash", "shell")]
    assert not shell, f"write these as ```console blocks with '$ ' lines: {shell}"


# ------------------------------------------------------------------ the harness itself
def _block(tmp_path: Path, text: str) -> Block:
    page = tmp_path / "page.md"
    page.write_text(f"```console\n{text}```\n", encoding="utf-8")
    return fences(page)[0]


def test_console_block_with_hidden_failure_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    block = _block(tmp_path, "$ seqguard audit no-such.csv\n")
    with pytest.raises(AssertionError, match=r"exited 2 and the page does not show it"):
        run_console(block, capsys)
    shown = _block(tmp_path, "$ seqguard audit no-such.csv\nerror: ...\n...\n$ echo $?\n2\n")
    assert run_console(shown, capsys) == 2


def test_console_block_output_must_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AssertionError, match=r"did not print 'error: something else'"):
        run_console(_block(tmp_path, "$ seqguard audit no-such.csv\nerror: something else\n"
                                     "$ echo $?\n2\n"), capsys)
    with pytest.raises(AssertionError, match=r"did not print '3'"):
        run_console(_block(tmp_path, "$ seqguard audit no-such.csv\n$ echo $?\n3\n"), capsys)


def test_console_commands_parse_continuations() -> None:
    cmds = console_commands("$ seqguard fit a.csv \\\n    --target y\nrun directory: r\n"
                            "$ echo $?\n0\n")
    assert [c.line for c in cmds] == ["seqguard fit a.csv --target y", "echo $?"]
    assert cmds[0].expected == ["run directory: r"] and cmds[1].expected == ["0"]


# ------------------------------------------------------------------ generated references
def _generator():
    spec = importlib.util.spec_from_file_location("gen_reference",
                                                  ROOT / "scripts" / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["cli-reference.md", "api.md"])
def test_generated_reference_is_current(name: str) -> None:
    gen = _generator()
    want = {p.name: text for p, text in gen.outputs().items()}[name]
    have = (DOCS / name).read_text(encoding="utf-8") if (DOCS / name).exists() else ""
    assert have == want, (f"docs/{name} is out of date with the code; regenerate it: "
                          f"{REGENERATE}")


def test_cli_reference_covers_every_command() -> None:
    from seqguard.cli import cli

    text = (DOCS / "cli-reference.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"## seqguard {name}\n" in text and f"Usage: seqguard {name} " in text, name


def test_api_reference_covers_all_public_names() -> None:
    import seqguard

    text = (DOCS / "api.md").read_text(encoding="utf-8")
    for name in seqguard.__all__:
        assert f"### `seqguard.{name}" in text, name


# ------------------------------------------------------------------ codes and links
_CODE = re.compile(r"`([a-z][a-z0-9_]*)`")


def table_codes(page: Path) -> list[str]:
    """The codes in the ``code`` column of every table on a page."""
    codes: list[str] = []
    column = None
    for line in page.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            column = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if column is None:
            column = cells.index("code") if "code" in cells else -1
            continue
        if column < 0 or set(cells[0]) <= set("-: "):
            continue
        codes += _CODE.findall(cells[column])
    return codes


TROUBLE_PAGES = sorted(p for p in TROUBLE.glob("*.md") if p.name != "README.md")


@pytest.mark.parametrize("page", TROUBLE_PAGES, ids=lambda p: p.name)
def test_troubleshooting_codes_exist(page: Path) -> None:
    codes = table_codes(page)
    assert codes, f"{page.name}: no finding codes in a table with a 'code' column"
    unknown = sorted(set(codes) - CODES)
    assert not unknown, f"{page.name}: not finding codes of seqguard.findings.CODES: {unknown}"
    findings_md = (DOCS / "findings.md").read_text(encoding="utf-8")
    assert all(f"`{c}`" in findings_md for c in codes)


_SNAKE = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`")


@pytest.mark.parametrize("page", sorted(TROUBLE.glob("*.md")), ids=lambda p: p.name)
def test_troubleshooting_names_are_codes(page: Path) -> None:
    """Every `snake_case` name in the prose and tables is a finding code (or a
    metrics.json key that docs/metrics.md documents): a misspelt code fails here."""
    prose = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.DOTALL)
    metrics_md = (DOCS / "metrics.md").read_text(encoding="utf-8")
    unknown = sorted(n for n in set(_SNAKE.findall(prose))
                     if n not in CODES and f'"{n}"' not in metrics_md)
    assert not unknown, f"{page.name}: neither a finding code nor a metrics.json key: {unknown}"


def test_table_codes_reads_the_code_column(tmp_path: Path) -> None:
    page = tmp_path / "p.md"
    page.write_text("| code | fix |\n|---|---|\n| `a_b`, `c` | `--lr` |\n\ntext `x_y`\n",
                    encoding="utf-8")
    assert table_codes(page) == ["a_b", "c"]


def test_troubleshooting_index_lists_every_page() -> None:
    index = (TROUBLE / "README.md").read_text(encoding="utf-8")
    assert TROUBLE_PAGES and all(f"({p.name})" in index for p in TROUBLE_PAGES)


_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", [*PAGES, ROOT / "README.md"],
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    broken = [t for t in _LINK.findall(text)
              if "://" not in t and not t.startswith("mailto:")
              and not (page.parent / t).exists()]
    assert not broken, f"{page.relative_to(ROOT)}: broken links {broken}"


def test_readme_links_the_guide() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("quickstart.md", "missing-data.md", "troubleshooting/README.md", "keras.md",
                 "cli-reference.md", "api.md"):
        assert f"(docs/{name})" in readme, name

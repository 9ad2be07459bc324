"""The command line starts without torch or Lightning (issue 10, item 9)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "lightning", "sklearn")


def _modules_after(code: str) -> dict[str, bool]:
    script = code + (f"\nimport json, sys\nprint(json.dumps({{m: m in sys.modules "
                     f"for m in {HEAVY!r}}}))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cli_module_and_audit_do_not_import_torch(tmp_path: Path) -> None:
    csv = tmp_path / "small.csv"
    csv.write_text("time,y\n" + "".join(f"2020-01-01 {h:02d}:00,{h % 5}\n" for h in range(24)))
    loaded = _modules_after(
        "import seqguard, seqguard.cli\n"
        "from seqguard.io import read\nfrom seqguard.audit import audit\n"
        f"audit(read({str(csv)!r}, target='y'), target='y').to_text()\n"
        "try:\n"
        f"    seqguard.cli.main(['audit', {str(csv)!r}, '--target', 'y'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0, exc.code\n")
    assert loaded == {"torch": False, "lightning": False, "sklearn": False}


def test_version_and_help_do_not_import_torch() -> None:
    loaded = _modules_after(
        "import seqguard.cli\n"
        "for args in (['--version'], ['--help'], ['fit', '--help']):\n"
        "    try:\n"
        "        seqguard.cli.main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, (args, exc.code)\n")
    assert loaded["torch"] is False and loaded["lightning"] is False


def test_public_names_still_load_on_use() -> None:
    import seqguard
    import seqguard.audit  # binds the submodule over the package attribute in plain Python
    import seqguard.diagnose

    assert callable(seqguard.audit) and seqguard.audit.__name__ == "audit"
    assert callable(seqguard.diagnose) and seqguard.diagnose.__name__ == "diagnose"
    assert seqguard.Forecaster.__name__ == "Forecaster"
    assert set(seqguard.__all__) <= set(dir(seqguard))
    for name in seqguard.__all__:
        assert getattr(seqguard, name) is not None, name


def test_not_fitted_error_is_sklearns() -> None:
    from sklearn.exceptions import NotFittedError as SkNotFitted

    from seqguard import NotFittedError, SeqguardError
    from seqguard.errors import NotFittedError as Same

    assert Same is NotFittedError
    assert issubclass(NotFittedError, SkNotFitted) and issubclass(NotFittedError, SeqguardError)


def test_all_lists_every_lazy_export() -> None:
    import seqguard

    assert sorted(seqguard.__all__) == sorted([*seqguard._EXPORTS, *seqguard._SUBMODULES,
                                               "__version__"])

"""predict / evaluate on data that changed since fit (issue 13, item 5): a column now
missing, a numeric column now text, a categorical column now numbers, a category never
seen, an extra column. One message naming the column and what changed; through the
command line exit 2 and one ``error:`` line (a new category: a warning, predictions
still made through the ``__unknown__`` bucket)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from cli_helpers import assert_one_error_line, run_cli

import seqguard
from seqguard.changed_data import fitted_categories
from seqguard.errors import DataWarning, InputError


def _frame(n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"time": pd.date_range("2021-01-01", periods=n, freq="h"),
                         "y": np.sin(np.arange(n) / 5) + 0.1 * rng.standard_normal(n),
                         "x": rng.standard_normal(n),
                         "c": rng.choice(["calm", "busy"], n)})


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A forecaster fitted on numeric ``x`` and text ``c`` (found categorical by
    content), saved once; each test changes a copy of the data."""
    root = tmp_path_factory.mktemp("changed")
    df = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = seqguard.Forecaster("y", input_len=12, horizon=3, epochs=1, hidden=4,
                                  progress=False, read_options={"time_col": "time"}).fit(df)
    est.save(root / "run")
    assert "c" in fitted_categories(est.pipeline_.features_.steps_)
    return est, df, root


def _changed(df: pd.DataFrame, what: str) -> pd.DataFrame:
    d = df.copy()
    if what == "x now text":
        d["x"] = np.where(d["x"] > 0, "high", "low")
    elif what == "x missing":
        d = d.drop(columns="x")
    elif what == "x and c missing":
        d = d.drop(columns=["x", "c"])
    elif what == "c now numbers":
        d["c"] = np.arange(len(d)) % 3
    elif what == "new category":
        d.loc[200:209, "c"] = "holiday"
    elif what == "extra column":
        d["extra"] = "anything"
    return d


ERRORS = {
    "x now text": r"column 'x' held numbers when the model was fitted, and now holds "
                  r"text \(time 2021-01-01 0\d:00:00: '(high|low)'\)\. Fix the column, "
                  r"pass --na-values (high|low)",
    "x missing": r"lacks the column 'x' the pipeline was fitted with\. Pass data with the "
                 r"training columns \(extra columns are ignored\)",
    "x and c missing": r"lacks the column 'x' \(and 'c'\)",
    "c now numbers": r"column 'c' held text categories when the model was fitted, and now "
                     r"holds only numbers",
}


@pytest.mark.parametrize("what", list(ERRORS))
@pytest.mark.parametrize("method", ["predict", "evaluate"])
def test_a_changed_column_is_named_with_what_changed(fitted, what, method):
    est, df, _ = fitted
    with pytest.raises(InputError, match=ERRORS[what]):
        getattr(est, method)(_changed(df, what))


@pytest.mark.parametrize("what", list(ERRORS))
def test_the_loaded_run_says_the_same(fitted, what):
    _, df, root = fitted
    est = seqguard.load(root / "run")
    with pytest.raises(InputError, match=ERRORS[what]):
        est.predict(_changed(df, what))


@pytest.mark.parametrize("what", list(ERRORS))
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_the_cli_exits_2_with_one_error_line(fitted, what, command, tmp_path, capsys):
    _, df, root = fitted
    data = tmp_path / "new.csv"
    _changed(df, what).to_csv(data, index=False)
    args = [command, str(root / "run"), str(data)]
    if command == "predict":
        args += ["--out", str(tmp_path / "pred.csv")]
    code, _, err = run_cli(args, capsys)
    column = "'x'" if what.startswith("x") else "'c'"
    # the reading step's progress line ("read new.csv (300 rows)") comes first
    read, _, rest = err.partition("\n")
    assert read == f"read {data} (300 rows)", err
    assert_one_error_line(code, rest, column, str(data))
    assert not (tmp_path / "pred.csv").exists()


def test_a_category_never_seen_warns_and_still_predicts(fitted):
    est, df, _ = fitted
    with pytest.warns(DataWarning, match=r"column 'c' holds 1 category the model never "
                                         r"saw at fit \('holiday'; 10 row\(s\)\)\. They are "
                                         r"encoded as '__unknown__'"):
        pred = est.predict(_changed(df, "new category"))
    assert len(pred) and np.isfinite(pred["prediction"].to_numpy(float)).all()


def test_known_categories_do_not_warn(fitted):
    est, df, _ = fitted
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        est.predict(df)


def test_the_cli_shows_the_new_category_and_predicts(fitted, tmp_path, capsys):
    _, df, root = fitted
    data = tmp_path / "new.csv"
    _changed(df, "new category").to_csv(data, index=False)
    code, _, err = run_cli(["predict", str(root / "run"), str(data), "--out",
                            str(tmp_path / "pred.csv")], capsys)
    assert code == 0, err
    assert "'c'" in err and "'holiday'" in err and "Traceback" not in err
    assert (tmp_path / "pred.csv").is_file()


def test_an_extra_column_is_ignored(fitted):
    est, df, _ = fitted
    plain = est.predict(df)
    extra = est.predict(_changed(df, "extra column"))
    pd.testing.assert_frame_equal(plain, extra)

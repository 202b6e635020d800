"""Tests for the bundled data sets and their loaders in skfnn.datasets."""

from collections import namedtuple
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from skfnn.datasets import load_credit_scoring
from skfnn.datasets._base import _frame_to_array

# Facts stated by shared/data/README.md, the independent source for these tests.
# `left_out` names the file's columns that are neither features nor target;
# `labels` is None for a count target.
Case = namedtuple(
    "Case",
    ["loader", "file_name", "n_rows", "n_columns", "target", "left_out",
     "licence", "labels"],
)  # fmt: skip
DATASETS = [
    Case(load_credit_scoring, "credit_data.csv.gz", 4454, 14, "Status", (),
         "MIT", {"bad", "good"}),
]  # fmt: skip
CLASSIFICATION = [case for case in DATASETS if case.labels is not None]


def _case_id(case):
    """Name a parametrized case after its loader."""
    return case.loader.__name__


def _read_raw(file_name):
    """Read a bundled file with pandas' defaults, bypassing the loaders."""
    source = resources.files("skfnn.datasets").joinpath("data", file_name)
    with resources.as_file(source) as path:
        return pd.read_csv(path)


def _assert_same_values(array, frame):
    """Assert that a 2-D array holds the values of a DataFrame, NaN for NaN."""
    assert array.shape == frame.shape
    for j, name in enumerate(frame.columns):
        column = frame[name]
        missing = column.isna().to_numpy()
        assert_array_equal(pd.isna(array[:, j]), missing, err_msg=name)
        expected = column[~missing].to_numpy(dtype=object)
        assert list(array[~missing, j]) == list(expected), name


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
@pytest.mark.parametrize("as_frame", [False, True])
def test_loaders_data_shape_matches_readme(case, as_frame):
    """Check data and target shapes against the README's rows x columns."""
    bunch = case.loader(as_frame=as_frame)

    n_features = case.n_columns - 1 - len(case.left_out)
    assert bunch.data.shape == (case.n_rows, n_features)
    assert bunch.target.shape == (case.n_rows,)
    assert len(bunch.feature_names) == n_features


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
def test_loaders_feature_names_are_file_columns_less_target(case):
    """Check feature_names against the file's header minus target and exposure."""
    raw = _read_raw(case.file_name)
    bunch = case.loader(as_frame=True)

    left_out = {case.target, *case.left_out}
    expected = [name for name in raw.columns if name not in left_out]
    assert bunch.feature_names == expected
    assert list(bunch.data.columns) == expected
    assert bunch.target.name == case.target


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
def test_loaders_array_dtypes(case):
    """Check that arrays are object data (text columns) and a 1-D target."""
    bunch = case.loader()

    assert isinstance(bunch.data, np.ndarray)
    assert bunch.data.dtype == object
    assert isinstance(bunch.target, np.ndarray)
    expected_target = object if case.labels is not None else np.int64
    assert bunch.target.dtype == expected_target
    assert bunch.frame is None


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
def test_loaders_frame_dtypes_are_category_for_text(case):
    """Check frame dtypes: the file's text columns become category, others stay."""
    raw = _read_raw(case.file_name)
    bunch = case.loader(as_frame=True)

    assert isinstance(bunch.frame, pd.DataFrame)
    assert list(bunch.frame.columns) == list(raw.columns)
    for name in raw.columns:
        if pd.api.types.is_numeric_dtype(raw[name]):
            assert bunch.frame[name].dtype == raw[name].dtype, name
        else:
            assert isinstance(bunch.frame[name].dtype, pd.CategoricalDtype), name


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
def test_loaders_frame_matches_file(case):
    """Check the frame's values against the file as read by plain pandas."""
    raw = _read_raw(case.file_name)
    frame = case.loader(as_frame=True).frame

    _assert_same_values(raw.to_numpy(dtype=object), frame)


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
def test_loaders_array_and_frame_agree(case):
    """Check that as_frame=False and as_frame=True give the same values."""
    arrays = case.loader(as_frame=False)
    frames = case.loader(as_frame=True)

    _assert_same_values(arrays.data, frames.data)
    assert_array_equal(arrays.target, frames.target.to_numpy())
    assert arrays.feature_names == frames.feature_names
    assert_array_equal(arrays.target_names, frames.target_names)


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
@pytest.mark.parametrize("as_frame", [False, True])
def test_loaders_return_X_y_matches_bunch(case, as_frame):
    """Check that return_X_y=True returns the Bunch's data and target."""
    bunch = case.loader(as_frame=as_frame)
    X, y = case.loader(as_frame=as_frame, return_X_y=True)

    assert type(X) is type(bunch.data)
    assert type(y) is type(bunch.target)
    _assert_same_values(np.asarray(X, dtype=object), pd.DataFrame(bunch.data))
    assert_array_equal(np.asarray(y), np.asarray(bunch.target))


def test_credit_scoring_missing_count_matches_file():
    """Check missing cells per column against pandas reading the file itself."""
    raw = _read_raw("credit_data.csv.gz")
    frame = load_credit_scoring(as_frame=True).frame

    assert_array_equal(frame.isna().sum().to_numpy(), raw.isna().sum().to_numpy())
    assert int(frame.isna().sum().sum()) == 455


def test_credit_scoring_array_keeps_missing_as_nan():
    """Check that the object array holds NaN wherever the frame has a gap."""
    data = load_credit_scoring().data
    frame = load_credit_scoring(as_frame=True).data

    missing = pd.isna(data)
    assert int(missing.sum()) == int(frame.isna().sum().sum())
    assert all(np.isnan(value) for value in data[missing])


@pytest.mark.parametrize("case", CLASSIFICATION, ids=_case_id)
@pytest.mark.parametrize("as_frame", [False, True])
def test_classification_loaders_target_labels(case, as_frame):
    """Check the raw target labels and target_names against the README."""
    bunch = case.loader(as_frame=as_frame)

    assert set(np.asarray(bunch.target)) == case.labels
    assert list(bunch.target_names) == sorted(case.labels)


@pytest.mark.parametrize("case", DATASETS, ids=_case_id)
def test_loaders_descr_names_licence(case):
    """Check that DESCR names the README's licence, row count and target."""
    descr = case.loader().DESCR

    assert f"Licence: {case.licence}" in descr
    assert f"{case.n_rows} rows" in descr
    assert f"``{case.target}``" in descr


def test_frame_to_array_numeric_is_float64():
    """Check that an all-numeric frame converts to float64, NaN preserved."""
    frame = pd.DataFrame({"a": [1, 2], "b": [0.5, np.nan]})

    array = _frame_to_array(frame)

    assert array.dtype == np.float64
    assert_array_equal(array, np.array([[1.0, 0.5], [2.0, np.nan]]))

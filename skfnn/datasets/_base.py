"""Loaders for the real tabular data sets bundled with skfnn."""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

DATA_MODULE = "skfnn.datasets"

# Empty fields are how the bundled files mark missing cells; "NA" is R's spelling
# of the same. Nothing else in the files counts as missing.
MISSING_MARKERS = ["", "NA"]


def _read_frame(file_name):
    """Read a bundled gzip CSV file into a DataFrame with categorical text columns.

    Parameters
    ----------
    file_name : str
        Name of the file in the ``data`` folder of ``skfnn.datasets``.

    Returns
    -------
    frame : pandas.DataFrame
        The whole file, missing cells as NaN.
    """
    source = resources.files(DATA_MODULE).joinpath("data", file_name)
    with source.open("rb") as stream:
        frame = pd.read_csv(
            stream,
            compression="gzip",
            na_values=MISSING_MARKERS,
            keep_default_na=False,
        )

    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype("category")
    return frame


def _read_descr(descr_name):
    """Return the text of a data set description from the ``descr`` folder.

    Parameters
    ----------
    descr_name : str
        File name of the description, without the ``.rst`` suffix.

    Returns
    -------
    descr : str
        The description in reStructuredText.
    """
    source = resources.files(DATA_MODULE).joinpath("descr", f"{descr_name}.rst")
    return source.read_text(encoding="utf-8")


def _frame_to_array(frame):
    """Convert a DataFrame to a 2-D array, float64 if all columns are numeric.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns to convert.

    Returns
    -------
    array : ndarray of shape (n_samples, n_columns)
        Of dtype float64 when every column is numeric, else of dtype object
        holding the original values, with NaN for missing cells.
    """
    if all(pd.api.types.is_numeric_dtype(dtype) for dtype in frame.dtypes):
        return frame.to_numpy(dtype=np.float64)
    return frame.to_numpy(dtype=object)


def _column_to_array(column):
    """Convert a Series to a 1-D array, keeping numeric dtypes.

    Parameters
    ----------
    column : pandas.Series
        Values to convert.

    Returns
    -------
    array : ndarray of shape (n_samples,)
        The numeric dtype of the column, or dtype object for text labels.
    """
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy()
    return column.to_numpy(dtype=object)


def _target_names(target):
    """Return the class labels of a categorical target, else its column name.

    Parameters
    ----------
    target : pandas.Series
        The target column of a loaded frame.

    Returns
    -------
    target_names : ndarray of shape (n_classes,) or (1,)
        Sorted labels for a categorical target; the column name otherwise.
    """
    if isinstance(target.dtype, pd.CategoricalDtype):
        return np.asarray(target.cat.categories, dtype=object)
    return np.asarray([target.name], dtype=object)


def _make_bunch(frame, target_column, descr_name, *, as_frame):
    """Split a loaded frame into features and target and wrap them in a Bunch.

    Parameters
    ----------
    frame : pandas.DataFrame
        The whole data set as read from its file.

    target_column : str
        Name of the target column.

    descr_name : str
        File name of the description, without the ``.rst`` suffix.

    as_frame : bool
        Whether ``data`` and ``target`` stay pandas objects.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With keys ``data``, ``target``, ``frame``, ``feature_names``,
        ``target_names`` and ``DESCR``.
    """
    feature_names = [name for name in frame.columns if name != target_column]
    data = frame[feature_names]
    target = frame[target_column]

    if not as_frame:
        data = _frame_to_array(data)
        target = _column_to_array(target)

    return Bunch(
        data=data,
        target=target,
        frame=frame if as_frame else None,
        feature_names=feature_names,
        target_names=_target_names(frame[target_column]),
        DESCR=_read_descr(descr_name),
    )


def load_credit_scoring(*, as_frame=False, return_X_y=False):
    """Load the credit scoring data set (binary classification).

    4454 applications for consumer credit from the R package modeldata
    (data set ``credit_data``, MIT licence). The target ``Status`` says whether
    the credit went ``good`` or ``bad``; the 13 features describe the applicant
    and the loan. Home, Marital, Records and Job are categorical. Income,
    Assets, Debt, Home, Job and Marital have 455 missing cells in all, which
    are kept as NaN.

    =================  ==============
    Classes                         2
    Samples total                4454
    Samples per class  3200 / 1254
    Features                       13
    Missing cells                 455
    =================  ==============

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame whose text columns have dtype
        ``category``, ``target`` is a categorical Series and ``frame`` holds
        all 14 columns. If False, ``data`` and ``target`` are NumPy arrays of
        dtype object.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        The data set and what is known about it, as attributes:

        data : {ndarray, DataFrame} of shape (4454, 13)
            The features, missing cells as NaN. As an array its dtype is
            object, since some columns hold text.
        target : {ndarray, Series} of shape (4454,)
            The raw labels, ``'good'`` or ``'bad'``.
        frame : DataFrame of shape (4454, 14) or None
            Features and target together when ``as_frame=True``, else None.
        feature_names : list of str
            Names of the 13 feature columns.
        target_names : ndarray of shape (2,)
            The class labels, ``['bad', 'good']``.
        DESCR : str
            Description of the data set: origin, licence, columns.

    (data, target) : tuple
        Returned instead of the Bunch when ``return_X_y=True``: its ``data``
        and ``target`` attributes.

    Examples
    --------
    >>> from skfnn.datasets import load_credit_scoring
    >>> credit = load_credit_scoring(as_frame=True)
    >>> credit.data.shape
    (4454, 13)
    >>> list(credit.target_names)
    ['bad', 'good']
    >>> int(credit.data.isna().sum().sum())
    455
    >>> X, y = load_credit_scoring(return_X_y=True)
    >>> X.shape, y.shape
    ((4454, 13), (4454,))
    """
    frame = _read_frame("credit_data.csv.gz")
    bunch = _make_bunch(frame, "Status", "credit_scoring", as_frame=as_frame)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch

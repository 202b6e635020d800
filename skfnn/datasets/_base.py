"""Loaders for the real tabular data sets bundled with skfnn."""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

DATA_MODULE = "skfnn.datasets"

# Empty fields are how the bundled files mark missing cells; "NA" is R's spelling
# of the same. Nothing else in the files counts as missing.
MISSING_MARKERS = ["", "NA"]

# MASS::Insurance stores Group and Age as ordered factors; the CSV keeps only the
# labels, so their order is restated here.
INSURANCE_LEVELS = {
    "Group": ["<1l", "1-1.5l", "1.5-2l", ">2l"],
    "Age": ["<25", "25-29", "30-35", ">35"],
}


def _read_frame(file_name, ordered_levels=None):
    """Read a bundled gzip CSV file into a DataFrame with categorical text columns.

    Parameters
    ----------
    file_name : str
        Name of the file in the ``data`` folder of ``skfnn.datasets``.

    ordered_levels : dict of str to list of str, default=None
        Columns to turn into ordered categoricals, with their levels in order.
        Every other non-numeric column becomes an unordered categorical.

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

    ordered_levels = ordered_levels or {}
    for column in frame.columns:
        if column in ordered_levels:
            levels = pd.CategoricalDtype(ordered_levels[column], ordered=True)
            frame[column] = frame[column].astype(levels)
        elif not pd.api.types.is_numeric_dtype(frame[column]):
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


def _make_bunch(frame, target_column, descr_name, *, as_frame, extra_columns=()):
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

    extra_columns : tuple of str, default=()
        Columns that are neither features nor target; the caller adds them to
        the Bunch under names of its own.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        With keys ``data``, ``target``, ``frame``, ``feature_names``,
        ``target_names`` and ``DESCR``.
    """
    left_out = {target_column, *extra_columns}
    feature_names = [name for name in frame.columns if name not in left_out]
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

    See Also
    --------
    load_hmda : Another binary classification data set, without missing cells.

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


def load_hmda(*, as_frame=False, return_X_y=False):
    """Load the Boston mortgage applications data set (binary classification).

    2380 mortgage applications made in the Boston area, from the data set
    ``HMDA`` of the R package AER (GPL-2 | GPL-3). The target ``deny`` says
    whether the application was denied (``'yes'``) or not (``'no'``). Of the
    13 features, six are numeric (ratios, credit history scores and an
    unemployment rate) and seven are ``yes``/``no`` indicators, loaded as
    categorical. No cell is missing.

    =================  ==============
    Classes                         2
    Samples total                2380
    Samples per class  2095 / 285
    Features                       13
    Missing cells                   0
    =================  ==============

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame whose ``yes``/``no`` columns
        have dtype ``category``, ``target`` is a categorical Series and
        ``frame`` holds all 14 columns. If False, ``data`` and ``target`` are
        NumPy arrays of dtype object.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        The data set and what is known about it, as attributes:

        data : {ndarray, DataFrame} of shape (2380, 13)
            The features. As an array its dtype is object, since seven
            columns hold text.
        target : {ndarray, Series} of shape (2380,)
            The raw labels, ``'no'`` or ``'yes'``.
        frame : DataFrame of shape (2380, 14) or None
            Features and target together when ``as_frame=True``, else None.
        feature_names : list of str
            Names of the 13 feature columns.
        target_names : ndarray of shape (2,)
            The class labels, ``['no', 'yes']``.
        DESCR : str
            Description of the data set: origin, licence, columns.

    (data, target) : tuple
        Returned instead of the Bunch when ``return_X_y=True``: its ``data``
        and ``target`` attributes.

    See Also
    --------
    load_credit_scoring : Another binary classification data set.

    Examples
    --------
    >>> from skfnn.datasets import load_hmda
    >>> hmda = load_hmda(as_frame=True)
    >>> hmda.data.shape
    (2380, 13)
    >>> list(hmda.target_names)
    ['no', 'yes']
    >>> X, y = load_hmda(return_X_y=True)
    >>> X.shape, y.shape
    ((2380, 13), (2380,))
    """
    frame = _read_frame("hmda.csv.gz")
    bunch = _make_bunch(frame, "deny", "hmda", as_frame=as_frame)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch


def load_mass_insurance(*, as_frame=False, return_X_y=False):
    """Load the car insurance claims data set (count regression with exposure).

    64 cells of a table of car insurance policies, from the data set
    ``Insurance`` of the R package MASS (GPL-2 | GPL-3). Each row is one
    combination of District, car Group and policyholder Age; the target
    ``Claims`` counts the claims made in that cell and ``Holders`` counts the
    policyholders in it.

    =================  ==============
    Samples total                  64
    Features                        3
    Target             counts, 0-400
    Exposure           counts, 3-3582
    Missing cells                   0
    =================  ==============

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame in which Group and Age are
        ordered categoricals, ``target`` and ``exposure`` are Series and
        ``frame`` holds all 5 columns. If False, ``data`` is a NumPy array of
        dtype object and ``target`` and ``exposure`` are int64 arrays.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch. The exposure is
        then not returned: load the Bunch to get it.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        The data set and what is known about it, as attributes:

        data : {ndarray, DataFrame} of shape (64, 3)
            The features District, Group and Age. As an array its dtype is
            object, since Group and Age hold text.
        target : {ndarray, Series} of shape (64,)
            Number of claims, ``Claims``.
        exposure : {ndarray, Series} of shape (64,)
            Number of policyholders, the ``Holders`` column.
        frame : DataFrame of shape (64, 5) or None
            All columns, Holders included, when ``as_frame=True``, else None.
        feature_names : list of str
            ``['District', 'Group', 'Age']``.
        target_names : ndarray of shape (1,)
            The name of the target column, ``['Claims']``.
        DESCR : str
            Description of the data set: origin, licence, columns.

    (data, target) : tuple
        Returned instead of the Bunch when ``return_X_y=True``: its ``data``
        and ``target`` attributes.

    See Also
    --------
    load_doctor_visits : A larger count regression data set, without exposure.

    Notes
    -----
    ``Holders`` is not among the features. The number of claims in a cell
    grows in proportion to the number of policyholders in it, so ``Holders``
    is an exposure rather than a property of the risk: model the claim rate
    ``Claims / Holders`` with ``Holders`` as sample weight, or use
    ``log(Holders)`` as an offset in a Poisson model. Given as a feature, a
    model would spend its capacity learning that proportionality.

    Examples
    --------
    >>> from skfnn.datasets import load_mass_insurance
    >>> insurance = load_mass_insurance()
    >>> insurance.data.shape, insurance.target.shape, insurance.exposure.shape
    ((64, 3), (64,), (64,))
    >>> insurance.feature_names
    ['District', 'Group', 'Age']
    """
    frame = _read_frame("mass_insurance.csv.gz", ordered_levels=INSURANCE_LEVELS)
    bunch = _make_bunch(
        frame, "Claims", "mass_insurance", as_frame=as_frame, extra_columns=("Holders",)
    )
    if return_X_y:
        return bunch.data, bunch.target

    exposure = frame["Holders"]
    bunch.exposure = exposure if as_frame else _column_to_array(exposure)
    return bunch


def load_doctor_visits(*, as_frame=False, return_X_y=False):
    """Load the Australian doctor visits data set (count regression).

    5190 respondents of the 1977-1978 Australian Health Survey, from the data
    set ``DoctorVisits`` of the R package AER (GPL-2 | GPL-3). The target
    ``visits`` counts doctor visits in the two weeks before the interview;
    most respondents (4141) made none. Of the 11 features, five are numeric
    and six (gender and five ``yes``/``no`` indicators) are loaded as
    categorical. No cell is missing.

    =================  ==============
    Samples total                5190
    Features                       11
    Target             counts, 0-9
    Missing cells                   0
    =================  ==============

    Parameters
    ----------
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame whose text columns have dtype
        ``category``, ``target`` is an int64 Series and ``frame`` holds all 12
        columns. If False, ``data`` is a NumPy array of dtype object and
        ``target`` an int64 array.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    bunch : sklearn.utils.Bunch
        The data set and what is known about it, as attributes:

        data : {ndarray, DataFrame} of shape (5190, 11)
            The features. As an array its dtype is object, since six columns
            hold text.
        target : {ndarray, Series} of shape (5190,)
            Number of doctor visits, ``visits``.
        frame : DataFrame of shape (5190, 12) or None
            Features and target together when ``as_frame=True``, else None.
        feature_names : list of str
            Names of the 11 feature columns.
        target_names : ndarray of shape (1,)
            The name of the target column, ``['visits']``.
        DESCR : str
            Description of the data set: origin, licence, columns.

    (data, target) : tuple
        Returned instead of the Bunch when ``return_X_y=True``: its ``data``
        and ``target`` attributes.

    See Also
    --------
    load_mass_insurance : A small count regression data set with exposure.

    Examples
    --------
    >>> from skfnn.datasets import load_doctor_visits
    >>> X, y = load_doctor_visits(return_X_y=True)
    >>> X.shape, y.shape
    ((5190, 11), (5190,))
    >>> int(y.min()), int(y.max())
    (0, 9)
    """
    frame = _read_frame("doctor_visits.csv.gz")
    bunch = _make_bunch(frame, "visits", "doctor_visits", as_frame=as_frame)
    if return_X_y:
        return bunch.data, bunch.target
    return bunch

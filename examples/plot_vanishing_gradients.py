"""
=========================================
Vanishing gradients in a logistic network
=========================================

In a deep network of logistic units, the delta of a hidden layer is the
delta of the layer above, multiplied by the transposed weights and by
sigma'(s), which never exceeds 1/4. When the weights are small, the deltas
shrink layer by layer on their way down, and plain gradient descent moves
the first layers hardly at all. Glorot and Bengio chose their initial
weight scale to keep these products close to one.

The data are the bundled credit scoring table, with numeric columns imputed
and standardized and categorical columns one-hot encoded in a pipeline. We
fit a network of five hidden layers of 32 logistic units (depth 6) with
plain minibatch SGD, once with the classic 'uniform' initialization and
once with 'glorot_uniform', and once more with 'uniform' and Adam. With
``monitor=True`` the estimator records, after every epoch, the mean norm of
each layer's weight gradient and the fraction of saturated units.

The first figure draws these two statistics per layer over the epochs; the
second draws the gradient norm across the layers at the first and last
epochs, and the training loss curves.
"""

# %%
# Load the data and build the features
# ------------------------------------
# Median imputation and standardization for the numeric columns, one-hot
# encoding for the categorical ones, all fitted on the training rows.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skfnn import FNNClassifier
from skfnn.datasets import load_credit_scoring

credit = load_credit_scoring(as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    credit.data, credit.target, test_size=0.25, stratify=credit.target, random_state=0
)


def make_features():
    """Return a fresh transformer of the numeric and categorical columns."""
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = OneHotEncoder(handle_unknown="ignore")
    return make_column_transformer(
        (numeric, make_column_selector(dtype_exclude="category")),
        (categorical, make_column_selector(dtype_include="category")),
    )


# %%
# Fit three monitored networks
# ----------------------------
# 'uniform' draws W^(k) from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), about
# U(-0.18, 0.18) for the 32-unit layers; 'glorot_uniform' draws from
# U(-r, r) with r = sqrt(6 / (fan_in + fan_out)), about U(-0.31, 0.31).
# SGD uses a step size of 0.5 with momentum 0.9 and minibatches of 200
# rows; Adam uses its default step size 0.001. Every fit runs exactly 100
# epochs with seed 0, so we silence the warning that training stopped at
# ``max_iter``.
configurations = {
    "uniform, SGD": {"init": "uniform", "solver": "sgd", "learning_rate_init": 0.5},
    "glorot_uniform, SGD": {
        "init": "glorot_uniform",
        "solver": "sgd",
        "learning_rate_init": 0.5,
    },
    "uniform, Adam": {"init": "uniform", "solver": "adam"},
}


def first_epoch_below(losses, level):
    """Return the first epoch (from 1) whose loss is below ``level``, or None."""
    below = np.flatnonzero(np.asarray(losses) < level)
    return int(below[0]) + 1 if below.size else None


networks = {}
diagnostics = {}
summary = []
for name, settings in configurations.items():
    network = FNNClassifier(
        depth=6,
        width=32,
        activation="logistic",
        batch_size=200,
        max_iter=100,
        tol=0.0,
        n_iter_no_change=100,
        monitor=True,
        random_state=0,
        **settings,
    )
    model = make_pipeline(make_features(), network)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    networks[name] = network
    diagnostics[name] = pd.DataFrame(network.diagnostics_)
    summary.append(
        {
            "model": name,
            "loss, epoch 1": network.loss_curve_[0],
            "loss, epoch 100": network.loss_curve_[-1],
            "first epoch below 0.55": first_epoch_below(network.loss_curve_, 0.55),
            "test ROC AUC": roc_auc_score(y_test, model.predict_proba(X_test)[:, 1]),
        }
    )
summary = pd.DataFrame(summary).astype({"first epoch below 0.55": "Int64"})
print(summary.round(4).to_string(index=False))

# %%
# Read the diagnostics as tables
# ------------------------------
# ``diagnostics_`` holds one record per epoch and layer; a pivot gives one
# column per layer. Layer 6 is the output layer, which has no saturation
# statistic. We print the gradient norms of a few epochs, and the ratio of
# the first layer's norm to the output layer's.
for name, table in diagnostics.items():
    norms = table.pivot(index="epoch", columns="layer", values="gradient_norm")
    ratio = norms[1] / norms[6]
    print(f"\n{name}: mean gradient norm per layer")
    print(norms.loc[[1, 25, 50, 75, 100]].to_string(float_format="{:.1e}".format))
    print(
        f"layer 1 / layer 6: {ratio.iloc[0]:.1e} at epoch 1, "
        f"{ratio.iloc[-1]:.1e} at epoch 100; largest saturated fraction "
        f"{table['saturated_fraction'].max():.3f}"
    )

# %%
# Plot the statistics over the epochs
# -----------------------------------
layers = sorted(diagnostics["uniform, SGD"]["layer"].unique())
colors = dict(
    zip(layers, plt.cm.viridis(np.linspace(0, 0.9, len(layers))), strict=True)
)
fig, axes = plt.subplots(
    nrows=2, ncols=3, figsize=(14, 7), sharex=True, sharey="row", layout="constrained"
)
for column, (name, table) in enumerate(diagnostics.items()):
    for layer, rows in table.groupby("layer"):
        axes[0, column].plot(
            rows["epoch"], rows["gradient_norm"], color=colors[layer], label=layer
        )
        if layer < layers[-1]:
            axes[1, column].plot(
                rows["epoch"], rows["saturated_fraction"], color=colors[layer]
            )
    axes[0, column].set_title(name)
    axes[1, column].set_xlabel("epoch")
axes[0, 0].set_yscale("log")
axes[0, 0].set_ylabel("mean norm of the weight gradient")
axes[1, 0].set_ylabel("fraction of saturated units")
axes[0, 0].legend(title="layer", fontsize="small", ncols=2)

# %%
# Plot the gradient profile and the loss
# --------------------------------------
fig, (ax_profile, ax_loss) = plt.subplots(
    ncols=2, figsize=(12, 4.5), layout="constrained"
)
for index, (name, table) in enumerate(diagnostics.items()):
    for epoch, style in ((1, ":"), (100, "-")):
        rows = table[table["epoch"] == epoch]
        ax_profile.plot(
            rows["layer"],
            rows["gradient_norm"],
            style,
            marker="o",
            color=f"C{index}",
            label=f"{name}, epoch {epoch}",
        )
    ax_loss.plot(networks[name].loss_curve_, color=f"C{index}", label=name)
ax_profile.set_yscale("log")
ax_profile.set_xlabel("layer k (1 = first hidden layer, 6 = output)")
ax_profile.set_ylabel("mean norm of the weight gradient")
ax_profile.set_title("Gradient norm across the layers")
ax_profile.legend(fontsize="small")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss")
ax_loss.set_title("Training loss")
ax_loss.legend(fontsize="small")

# %%
# What the run shows
# ------------------
# With 'uniform' weights and SGD the gradient norm falls by a factor of
# roughly five to nine per layer on the way down: at the first epoch the first
# hidden layer's gradient is 1.2e-05 against 0.15 for the output layer, a
# ratio of 8e-05, and after 100 epochs the ratio is the same. The loss stays
# at 0.596, the loss of predicting the base rate of bad credits, and the
# test ROC AUC of 0.615 is barely better than chance: the lower layers hardly
# move, so the upper layers receive features that say little about the
# target.
#
# Glorot's larger weights start the first layer's gradient at 1.2e-03 of the
# output layer's, fifteen times the uniform ratio. The network first sits on
# the same plateau, but at epoch 58 its loss falls below 0.55, and from then
# on every layer's gradient has the same order of magnitude (ratio 1.9 at
# epoch 100). It ends with a training loss of 0.409 and a test ROC AUC of
# 0.848.
#
# Saturation is not what blocks the uniform network here: none of its
# units is within 0.01 of 0 or 1 at any epoch. Its logistic units sit near
# 1/2, where sigma' is largest, and the gradients shrink because the small
# weights and the factor sigma' <= 1/4 multiply at every layer. Saturation
# appears only once the Glorot network has left the plateau, in up to 3.6%
# of the units of layers 1 and 5.
#
# The initialization is not the only remedy. Adam divides each parameter's
# step by a running estimate of its own gradient's size, so a layer whose
# gradient is ten thousand times smaller still takes steps of similar size:
# with the same 'uniform' start its loss falls below 0.55 at epoch 13 and
# ends at 0.437, with a test ROC AUC of 0.838. These are single runs
# with seed 0; the timing of the escape moves with the seed.
plt.show()

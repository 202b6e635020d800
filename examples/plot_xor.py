"""
=====================================================
XOR: a hand-set step network and a trained ReLU layer
=====================================================

No straight line separates the points of XOR, so a network without hidden
layers cannot compute it. One hidden layer is enough. We first evaluate a
network whose weights are set by hand, with Heaviside steps as activations,
and then train :class:`skfnn.FNNRegressor` with one hidden layer of ReLU
units and a linear output (squared error) on the same four points.

The data are the four corners of the unit square with targets 0, 1, 1, 0.
The figure shows the output of both networks over the square with the four
points on top, and, for several hidden widths, how many of twenty seeds
train to the XOR table.
"""

# %%
# The hand-set Heaviside network
# ------------------------------
# The first hidden unit fires when at least one input is on
# (x1 + x2 - 1/2 >= 0), the second only when both are (x1 + x2 - 3/2 >= 0).
# The output fires when the first unit is on and the second is off, which is
# XOR. :class:`skfnn.network.Network` stores the weights with one row per
# input and one column per unit, and ``forward`` returns the pre-activations
# s^(k) and activations h^(k) of every layer.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from skfnn import FNNRegressor
from skfnn.network import Network

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
y = np.array([0, 1, 1, 0], dtype=float)

step_net = Network(
    weights=[[[1, 1], [1, 1]], [[1], [-1]]],
    biases=[[-0.5, -1.5], [-0.5]],
    activation="heaviside",
    loss=None,
    output_activation="heaviside",
)
pre_activations, activations = step_net.forward(X)
table = pd.DataFrame(X.astype(int), columns=["x1", "x2"])
table[["h1 (x1 OR x2)", "h2 (x1 AND x2)"]] = activations[1].astype(int)
table["output"] = activations[2].ravel().astype(int)
table["XOR"] = y.astype(int)
print(f"Heaviside network, {step_net.n_params} parameters:")
print(table.to_string(index=False))

# %%
# Train one hidden ReLU layer
# ---------------------------
# Heaviside steps have zero gradient almost everywhere, so backpropagation
# cannot train them. ReLU units can be trained, and with a linear output the
# network is a sum of ramps, which can rise from (0, 0) to the off-diagonal
# corners and fall again at (1, 1). With four rows the default batch size is
# the full batch; a step size of 0.01 and no weight penalty let Adam drive
# the squared error close to zero.


def fit_xor(width, seed):
    """Fit one hidden ReLU layer of ``width`` units to XOR."""
    model = FNNRegressor(
        depth=2,
        width=width,
        activation="relu",
        alpha=0.0,
        learning_rate_init=0.01,
        max_iter=1000,
        tol=1e-6,
        n_iter_no_change=50,
        random_state=seed,
    )
    return model.fit(X, y)


relu_net = fit_xor(width=8, seed=0)
print(
    f"ReLU network, width 8, {relu_net.n_params_} parameters, "
    f"{relu_net.n_iter_} epochs, predictions {np.round(relu_net.predict(X), 3)}"
)

# %%
# How often does training find XOR?
# ---------------------------------
# A fit counts as a success when every prediction is within 0.1 of its
# target. A ReLU unit whose pre-activation is negative on all four points
# outputs zero there and receives zero gradient, so it never recovers. One
# ReLU unit and a linear output cannot compute XOR, so at width 2 a single
# dead unit rules success out; wider layers have units to spare. For twenty
# seeds per width we count the successes and, among the failures, those
# that ended with at least one dead unit; for the narrowest layer we also
# list what the failed fits predict.
widths = [2, 4, 8, 16]
seeds = range(20)
summary = []
failed_outputs = []
for width in widths:
    counts = {"width": width, "successes": 0, "failures": 0, "with a dead unit": 0}
    for seed in seeds:
        model = fit_xor(width, seed)
        if np.all(np.abs(model.predict(X) - y) < 0.1):
            counts["successes"] += 1
            continue
        counts["failures"] += 1
        if width == widths[0]:
            failed_outputs.append(tuple(np.round(model.predict(X), 2) + 0.0))
        _, hidden = Network.from_estimator(model).forward(X)
        counts["with a dead unit"] += np.any(np.all(hidden[1] <= 0, axis=0))
    summary.append(counts)
summary = pd.DataFrame(summary)
print(f"Out of {len(seeds)} seeds:")
print(summary.to_string(index=False))
print(
    f"Outputs on (0, 0), (0, 1), (1, 0), (1, 1) of the failed width-{widths[0]} fits:"
)
print(pd.Series(failed_outputs).value_counts().to_string())

# %%
# Plot both networks and the success counts
# -----------------------------------------
# Each surface is the network output on a grid over the square. The step
# network's output takes only the values 0 and 1, with a band between the
# lines x1 + x2 = 1/2 and x1 + x2 = 3/2; the ReLU network's output is
# piecewise linear and only its values at the corners were trained.
grid = np.linspace(-0.25, 1.25, 151)
g1, g2 = np.meshgrid(grid, grid)
grid_points = np.column_stack([g1.ravel(), g2.ravel()])
surfaces = {
    "Hand-set Heaviside network": step_net.predict(grid_points),
    "Trained ReLU network, width 8": relu_net.predict(grid_points),
}

fig, axes = plt.subplots(ncols=3, figsize=(14, 4.2), layout="constrained")
for ax, (title, values) in zip(axes[:2], surfaces.items(), strict=True):
    image = ax.contourf(
        g1,
        g2,
        values.reshape(g1.shape),
        levels=np.linspace(-0.3, 1.3, 17),
        cmap="RdBu_r",
        extend="both",
    )
    ax.contour(g1, g2, values.reshape(g1.shape), levels=[0.5], colors="black")
    for target, face in ((0, "white"), (1, "black")):
        corners = X[y == target]
        ax.scatter(
            corners[:, 0],
            corners[:, 1],
            s=110,
            facecolors=face,
            edgecolors="black",
            label=f"target {target}",
        )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_aspect("equal")
    ax.set_title(title)
axes[0].legend(loc="upper right", fontsize="small", framealpha=0.9)
fig.colorbar(image, ax=axes[:2], label="network output (black line: 0.5)")

axes[2].bar(summary["width"].astype(str), summary["successes"], color="C2")
axes[2].set_ylim(0, len(seeds))
axes[2].set_xlabel("hidden width")
axes[2].set_ylabel(f"seeds out of {len(seeds)} that learn XOR")
axes[2].set_title("Training success by width")

# %%
# What the run shows
# ------------------
# Both networks compute XOR on the four points, with different surfaces in
# between. The step network has exactly the two hidden units the logic
# needs. Training found a solution at width 2 for only 3 seeds out of 20,
# and 12 of the 17 failures ended with a dead unit. The failed fits stop
# where the gradient vanishes: five predict the mean 0.5 at every corner,
# the others fit one or two corners exactly and average the rest (0.33 is
# the mean target of three corners). With spare units the failures become
# rare: 13 successes at width 4, 19 at width 8 and 20 at width 16. That a
# width can represent a function does not mean that gradient descent finds
# the representation from every start.
plt.show()

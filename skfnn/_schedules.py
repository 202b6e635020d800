"""Learning-rate schedules: the step size as a function of training progress.

A schedule returns the learning rate for the next minibatch from the number
of samples seen so far (``t``), and may react to a plateau of the monitored
loss. Schedules never print; the training loop reports what they did.
"""

MIN_ADAPTIVE_RATE = 1e-6
ADAPTIVE_DIVISOR = 5.0


class Schedule:
    """Learning rate eps(t) for the schedules of scikit-learn's MLP.

    Parameters
    ----------
    kind : {'constant', 'invscaling', 'adaptive'}
        'constant' keeps eps_0; 'invscaling' uses eps_0 / (t + 1)^power_t;
        'adaptive' keeps eps_0 until a plateau, then divides it by 5.
    learning_rate_init : float
        eps_0.
    power_t : float
        Exponent of 'invscaling'.
    """

    def __init__(self, kind, learning_rate_init, power_t=0.5):
        self.kind = kind
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.current = learning_rate_init

    def rate(self, t):
        """Return the learning rate after ``t`` samples were seen."""
        if self.kind == "invscaling":
            return self.learning_rate_init / (t + 1) ** self.power_t
        return self.current

    def on_plateau(self):
        """React to a plateau; return True if training should go on."""
        if self.kind != "adaptive" or self.current <= MIN_ADAPTIVE_RATE:
            return False
        self.current /= ADAPTIVE_DIVISOR
        return True

"""Learning-rate schedules: the step size as a function of training progress.

A schedule returns the learning rate eps for the next minibatch from the
number of samples seen so far (t) and the epoch of the current call to
``fit`` (0-based), and may react to a plateau of the monitored loss.
Schedules never print; the training loop reports what they did.
"""

import math

MIN_ADAPTIVE_RATE = 1e-6
ADAPTIVE_DIVISOR = 5.0
SCHEDULES = ("constant", "invscaling", "adaptive", "step", "exponential", "cosine")


class Schedule:
    """Learning rate eps(t, epoch) of one training run.

    Parameters
    ----------
    kind : {'constant', 'invscaling', 'adaptive', 'step', 'exponential', \
'cosine'}
        'constant': eps_0. 'invscaling': eps_0 / (t + 1)^power_t.
        'adaptive': eps_0, divided by 5 at each plateau. 'step':
        eps_0 decay_rate^floor(epoch / step_size). 'exponential':
        eps_0 decay_rate^epoch. 'cosine': a linear warm-up over
        ``warmup_epochs`` epochs, then eps_0 (1 + cos(pi e / E)) / 2 with e
        the epochs since the warm-up and E the remaining epochs of the call.
    learning_rate_init : float
        eps_0.
    power_t : float, default=0.5
        Exponent of 'invscaling'.
    decay_rate : float, default=0.5
        Factor of 'step' and 'exponential'.
    step_size : int, default=10
        Epochs between the drops of 'step'.
    warmup_epochs : int, default=0
        Epochs of linear warm-up of 'cosine'.
    """

    def __init__(
        self,
        kind,
        learning_rate_init,
        power_t=0.5,
        decay_rate=0.5,
        step_size=10,
        warmup_epochs=0,
    ):
        self.kind = kind
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.decay_rate = decay_rate
        self.step_size = step_size
        self.warmup_epochs = warmup_epochs
        self.current = learning_rate_init

    def rate(self, t, epoch, n_epochs):
        """Return the learning rate.

        Parameters
        ----------
        t : int
            Training rows seen since initialization.
        epoch : int
            Epoch of the current call, from 0.
        n_epochs : int
            Epochs the current call may run (``max_iter``).

        Returns
        -------
        learning_rate : float
        """
        initial = self.learning_rate_init
        if self.kind == "invscaling":
            return initial / (t + 1) ** self.power_t
        if self.kind == "step":
            return initial * self.decay_rate ** (epoch // self.step_size)
        if self.kind == "exponential":
            return initial * self.decay_rate**epoch
        if self.kind == "cosine":
            return self._cosine(epoch, n_epochs)
        return self.current

    def _cosine(self, epoch, n_epochs):
        """Return the rate of the warm-up then cosine schedule."""
        initial = self.learning_rate_init
        if epoch < self.warmup_epochs:
            return initial * (epoch + 1) / self.warmup_epochs
        remaining = max(n_epochs - self.warmup_epochs, 1)
        progress = (epoch - self.warmup_epochs) / remaining
        return initial * 0.5 * (1.0 + math.cos(math.pi * progress))

    def on_plateau(self):
        """React to a plateau; return True if training should go on."""
        if self.kind != "adaptive" or self.current <= MIN_ADAPTIVE_RATE:
            return False
        self.current /= ADAPTIVE_DIVISOR
        return True

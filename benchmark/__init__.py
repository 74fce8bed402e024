"""ganbench: one registry of GAN tasks, one adversarial trainer, one evaluator, one leaderboard."""

__version__ = "0.1.0"

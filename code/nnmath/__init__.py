"""nnmath: the companion package of *Mathematics of Deep Neural Networks*.

One module a topic, each read alongside its chapter:

- :mod:`nnmath.learning`: risk, ridge, bias and variance (chapter *Learning problems*);
- :mod:`nnmath.data`: seeded synthetic data and scikit-learn's bundled digits;
- :mod:`nnmath.plotting`: the book's figure style and rate-fitting plots.

Import the module you need: ``from nnmath import learning, plotting``.
"""

__version__ = "0.1.0"

"""nnmath: the companion package of *Mathematics of Deep Neural Networks*.

One module a topic, each read alongside its chapter:

- :mod:`nnmath.learning`: risk, ERM, ridge, bias and variance (*Learning problems*);
- :mod:`nnmath.tropical`: ReLU networks as piecewise-linear and tropical maps, linear regions
  (*Feed-forward networks*);
- :mod:`nnmath.approximation`: sawtooth and Yarotsky networks, interpolants, Barron rates
  (*Universal approximation*);
- :mod:`nnmath.autodiff`: forward and reverse mode, backpropagation (*Backpropagation and
  automatic differentiation*);
- :mod:`nnmath.initialization`: Glorot and He, mean-field signal propagation (*Initialization and
  signal propagation*);
- :mod:`nnmath.optim`: optimizers as pure gradient transformations (*Gradient methods*,
  *Adaptive methods*); :mod:`nnmath.problems`: the test problems and gradient oracles they run
  on; :mod:`nnmath.online` and :mod:`nnmath.schedules` for online convex optimization and
  learning-rate schedules (*Adaptive methods*);
- :mod:`nnmath.generalization`: Rademacher complexity, VC dimension and Cover's count, spectral
  complexity, PAC-Bayes (*Uniform convergence, Rademacher complexity and sample complexity*);
- :mod:`nnmath.overparameterization` (its API re-exported by :mod:`nnmath.generalization`): random
  labels, ridgeless least squares and double descent, dropout, batch normalization (*Overparameterization
  and regularizing networks*);
- :mod:`nnmath.implicit_bias`: minimum-norm and max-margin limits of gradient descent, diagonal linear
  networks (*Implicit bias and margin maximization*);
- :mod:`nnmath.robustness`: minimal perturbations of linear classifiers, FGSM and PGD, Lipschitz
  certificates, counterfactual explanations (*Robustness and explanations*);
- :mod:`nnmath.cnn`: convolution from the definition, output sizes, circulant singular values,
  translations, residual networks (*Convolutional and residual networks*);
- :mod:`nnmath.attention`: scaled dot-product and multi-head attention, layer norm, sinusoidal
  encodings, a small sorting transformer (*Attention and transformers*);
- :mod:`nnmath.gnn`: GCN normalization, message passing, 1-WL colour refinement, stochastic block
  models (*Graph neural networks*);
- :mod:`nnmath.generative`: optimal discriminators and the GAN value, normalizing flows, scores of
  noised Gaussian mixtures (*Generative models*);
- :mod:`nnmath.groups`: cyclic and dihedral groups, SO(2) and SO(3), character tables, the regular
  representation, Rodrigues' formula and the BCH series (*Groups, representations, homogeneous spaces
  and Lie groups*);
- :mod:`nnmath.kernels`: the ReLU and deep NNGP kernels, kernel ridge and GP regression, random
  features (*Wide networks as Gaussian processes and kernel machines*);
- :mod:`nnmath.ntk`: stax-style layers with their kernels, the two-layer ReLU NTK, empirical NTKs,
  linearization and gradient flow in function space (*The neural tangent kernel*);
- :mod:`nnmath.equivariant`: the equivariance error shared by the chapters on architectures and symmetry;
  lifting, group convolution and pooling layers for p4 and SE(2), image rotations, circular harmonics
  (*Equivariant networks*);
- :mod:`nnmath.data`: seeded synthetic data and scikit-learn's bundled digits;
- :mod:`nnmath.plotting`: the book's figure style and rate-fitting plots.

Import the module you need: ``from nnmath import learning, plotting``.
"""

__version__ = "0.1.0"

"""The task registry: one line per task, ``"name": "module:Class"``, imported on first use."""

from ganbench.core.registry import Registry

TASKS = Registry("task", group="ganbench.tasks", base="ganbench.core.task:Task")

# name                      target                                   one-line summary
TASKS.register("toy/ring8", "ganbench.tasks.toy_ring8:Ring8", "8 Gaussians on a circle (radius 1, sigma 0.01; VEEGAN/PacGAN protocol)")
TASKS.register("toy/grid25", "ganbench.tasks.toy_grid25:Grid25", "25 Gaussians on {-4,-2,0,2,4}^2 (sigma 0.05; VEEGAN/PacGAN protocol)")
TASKS.register("text/oracle-l20", "ganbench.tasks.text_oracle_l20:OracleL20", "SeqGAN synthetic data: the fixed oracle LSTM (V=5000, length 20); NLL-oracle, NLL-test")
TASKS.register("text/oracle-tiny", "ganbench.tasks.text_oracle_tiny:OracleTiny", "tiny random-LSTM oracle (V=200, length 10) for the quick suite; NLL-oracle, NLL-test")
TASKS.register("text/coco", "ganbench.tasks.text_coco:Coco", "COCO captions, Texygen split (10k train / 10k test); BLEU-2..5, Self-BLEU-2..5, NLL-test")
TASKS.register("text/corpus", "ganbench.tasks.text_corpus:Corpus", "your own text files (train_file/test_file, one sentence a line); BLEU, Self-BLEU, NLL-test")
TASKS.register("image/digits", "ganbench.tasks.image_digits:Digits", "scikit-learn 8x8 digits (1,297 train / 500 test, no download); classifier FID/KID/IS/PR/DC")
TASKS.register("image/fashion-mnist", "ganbench.tasks.image_fashion_mnist:FashionMNIST", "Fashion-MNIST 28x28 grey (60k train / 10k test); classifier FID/KID/IS/PR/DC vs the test split")
TASKS.register("image/mnist", "ganbench.tasks.image_mnist:MNIST", "MNIST 28x28 grey (60k train / 10k test); classifier FID/KID/IS/PR/DC vs the test split")
TASKS.register("image/cifar10", "ganbench.tasks.image_cifar10:CIFAR10", "CIFAR-10 32x32 RGB (50k train / 10k test); FID/KID/IS/PR/DC vs the test split")
TASKS.register("image/digits-cond", "ganbench.tasks.image_digits:DigitsCond", "scikit-learn 8x8 digits, class-conditional; intra-FID, classifier accuracy, CAS, FID...")
TASKS.register("image/fashion-mnist-cond", "ganbench.tasks.image_fashion_mnist:FashionMNISTCond", "Fashion-MNIST 28x28, class-conditional; intra-FID, classifier accuracy, CAS, FID...")
TASKS.register("image/mnist-cond", "ganbench.tasks.image_mnist:MNISTCond", "MNIST 28x28, class-conditional; intra-FID, classifier accuracy, CAS, FID...")
TASKS.register("image/cifar10-cond", "ganbench.tasks.image_cifar10:CIFAR10Cond", "CIFAR-10 32x32, class-conditional; intra-FID, classifier accuracy, CAS, FID...")
TASKS.register("molecule/moses", "ganbench.tasks.molecule_moses:Moses", "MOSES: SMILES generation on 1.58M molecules; MOSES + GuacaMol metrics (30k samples vs Test/TestSF)")
TASKS.register("molecule/moses-small", "ganbench.tasks.molecule_moses:MosesSmall", "MOSES shrunk for quick runs: 50k training molecules, 2k samples vs 10k Test/TestSF subsets")

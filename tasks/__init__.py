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
TASKS.register("image/sr4x-fashion-mnist", "ganbench.tasks.image_restoration:SR4xFashionMNIST", "4x super-resolution of Fashion-MNIST (7x7 -> 28x28); PSNR/SSIM (BasicSR), FID/KID")
TASKS.register("image/inpaint-fashion-mnist", "ganbench.tasks.image_restoration:InpaintFashionMNIST", "centre 14x14 inpainting of Fashion-MNIST; PSNR/SSIM, FID/KID")
TASKS.register("image/sr4x-cifar10", "ganbench.tasks.image_restoration:SR4xCIFAR10", "4x super-resolution of CIFAR-10 (8x8 -> 32x32 RGB); PSNR/SSIM on Y (BasicSR), FID/KID")
TASKS.register("image/inpaint-cifar10", "ganbench.tasks.image_restoration:InpaintCIFAR10", "centre 16x16 inpainting of CIFAR-10; PSNR/SSIM on Y, FID/KID")
TASKS.register("image/sr4x-digits", "ganbench.tasks.image_restoration:SR4xDigits", "4x super-resolution of 32x32-upsampled sklearn digits (quick suite, no download)")
TASKS.register("image/inpaint-digits", "ganbench.tasks.image_restoration:InpaintDigits", "centre 16x16 inpainting of 32x32-upsampled sklearn digits (quick suite, no download)")
TASKS.register("video/moving-mnist", "ganbench.tasks.video_moving_mnist:MovingMNIST", "2 MNIST digits bouncing in 32x32, 10 frames (CPU setting); fvd_local, fid_frame")
TASKS.register("video/moving-mnist-predict", "ganbench.tasks.video_moving_mnist:MovingMNISTPredict", "Moving MNIST 32x32: frames 6-10 from 1-5; fvd_local, fid_frame, PSNR/SSIM")
TASKS.register("video/moving-mnist-64", "ganbench.tasks.video_moving_mnist:MovingMNIST64", "standard Moving MNIST 64x64, 20 frames (a GPU setting); fvd_local, fid_frame")
TASKS.register("video/moving-mnist-64-predict", "ganbench.tasks.video_moving_mnist:MovingMNIST64Predict", "standard Moving MNIST prediction 10 -> 10 in 64x64 (a GPU setting)")
TASKS.register("video/moving-digits", "ganbench.tasks.video_moving_mnist:MovingDigits", "2 sklearn digits bouncing in 16x16, 8 frames (quick suite, no download)")
TASKS.register("video/moving-digits-predict", "ganbench.tasks.video_moving_mnist:MovingDigitsPredict", "sklearn digits 16x16: frames 5-8 from 1-4 (quick suite, no download)")
TASKS.register("molecule/moses", "ganbench.tasks.molecule_moses:Moses", "MOSES: SMILES generation on 1.58M molecules; MOSES + GuacaMol metrics (30k samples vs Test/TestSF)")
TASKS.register("molecule/moses-small", "ganbench.tasks.molecule_moses:MosesSmall", "MOSES shrunk for quick runs: 50k training molecules, 2k samples vs 10k Test/TestSF subsets")

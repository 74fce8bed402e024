"""The image domain: the image task base class, DCGAN nets, feature extractors (Inception-v3, the
task's own classifier), FID/KID/IS/PR/DC and image files in and out."""

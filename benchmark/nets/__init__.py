"""Network families shared by tasks (MLP for points; domains add DCGAN, sequence models, ...)."""

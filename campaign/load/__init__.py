"""Stage 1: reading `config.yaml` and `content/`, checking every value, into the model."""

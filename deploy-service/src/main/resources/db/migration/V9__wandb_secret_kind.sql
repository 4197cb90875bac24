-- The vault keeps a W&B API key too (issue 14: reporting to W&B), sealed like the Hugging Face token.
ALTER TABLE vault_secret DROP CONSTRAINT vault_secret_kind_check;
ALTER TABLE vault_secret ADD CONSTRAINT vault_secret_kind_check CHECK (kind IN ('RUNPOD', 'HUGGINGFACE', 'WANDB'));

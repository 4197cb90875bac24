-- Issue 14. The vault keeps a W&B API key too (reporting to W&B), sealed like the Hugging Face token.
ALTER TABLE vault_secret DROP CONSTRAINT vault_secret_kind_check;
ALTER TABLE vault_secret ADD CONSTRAINT vault_secret_kind_check CHECK (kind IN ('RUNPOD', 'HUGGINGFACE', 'WANDB'));

-- A model's lineage (GET /api/v1/models): the checksum of the dataset it was trained on, taken at acceptance
-- (a dataset id alone says nothing once the dataset is replaced). Deployments accepted before have none.
ALTER TABLE deployment ADD COLUMN dataset_sha256 TEXT;
-- And the best eval loss the run reported (TrainingSucceeded), when it evaluated.
ALTER TABLE deployment ADD COLUMN eval_loss DOUBLE PRECISION;
CREATE INDEX deployment_user_succeeded ON deployment (user_id, ended_at DESC) WHERE status = 'SUCCEEDED';

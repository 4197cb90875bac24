-- Issue 14: the last checkpoint a deployment's pods stored (dataset-service's CheckpointStored), the checkpoint the
-- current pod resumed from, the last step the run reported (TrainingSucceeded), and per attempt the checkpoint it
-- resumed from and the steps it gained beyond it.
ALTER TABLE deployment ADD COLUMN last_checkpoint_step INTEGER;
ALTER TABLE deployment ADD COLUMN last_checkpoint_at TIMESTAMPTZ;
ALTER TABLE deployment ADD COLUMN resumed_from_step INTEGER;
ALTER TABLE deployment ADD COLUMN last_step INTEGER;
ALTER TABLE deployment_attempt ADD COLUMN resumed_from_step INTEGER;
ALTER TABLE deployment_attempt ADD COLUMN steps_gained INTEGER;

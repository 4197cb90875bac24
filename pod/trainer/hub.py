"""Where the result goes besides Trainpod's storage: a push to the Hugging Face Hub (output.huggingface).

The decisions are pure (standard library only); the upload itself goes through huggingface_hub, imported inside
push(). deploy-service's pre-flight has already checked that the stored token may write to the repository, so a
failure here is the Hub's (it is logged and the job still succeeds: the output is in Trainpod's storage too).
"""
import os


def hub_arguments(hub, token):
    """Trainer settings that push every checkpoint as it is saved (pushCheckpoints), else none."""
    if not hub or not hub["pushCheckpoints"]:
        return {}
    return {"push_to_hub": True, "hub_model_id": hub["repo"], "hub_strategy": "checkpoint",
            "hub_private_repo": hub["private"], "hub_token": token, "hub_revision": hub["revision"]}


def folder_to_push(hub, output_dir):
    """The adapter (output/) or the merged model (output/merged/, written by the trainer) that goes to the Hub."""
    return os.path.join(output_dir, "merged") if hub["weights"] == "merged" else output_dir


def commit_message(training):
    """The Hub commit's message: what was trained, from trainpod_training.json's content."""
    message = "Trainpod: %s %s of %s, %d steps" % (training["method"], training["adapter"], training["model"],
                                                  training["steps"])
    if training.get("bestEvalLoss") is not None:
        message += ", best eval loss %.4f" % training["bestEvalLoss"]
    return message


def push(hub, folder, token, message, log):
    """Creates the repository when missing and uploads the folder to its revision; returns the repository's URL."""
    from huggingface_hub import HfApi
    api = HfApi(token=token)
    api.create_repo(hub["repo"], private=hub["private"], exist_ok=True)
    if hub["revision"] != "main":
        api.create_branch(hub["repo"], branch=hub["revision"], exist_ok=True)
    api.upload_folder(repo_id=hub["repo"], folder_path=folder, revision=hub["revision"], commit_message=message,
                      ignore_patterns=["merged/*", "checkpoint-*/*"])
    url = "https://huggingface.co/%s/tree/%s" % (hub["repo"], hub["revision"])
    log("pushed %s to %s" % (folder, url))
    return url

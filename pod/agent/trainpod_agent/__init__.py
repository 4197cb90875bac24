"""Trainpod pod agent: runs one fine-tuning job inside a rented GPU pod.

bootstrap.sh writes this package, zipped as agent.pyz, into the work directory and runs `python3 agent.pyz run`:
download the dataset (resumable, SHA-256 checked, a fresh link through the job token when the link expired), run
the trainer, ship its metrics, log lines and heartbeats to metrics-service (spooled to disk while it is
unreachable), upload the trainer's output/ (resumable), tell dataset-service that these are all of the job's
artifacts, report the outcome, and terminate this pod. RunPod restarts a container whose command exits and keeps
billing, so the pod must delete itself. `fail --exit-code N` is the bootstrap trap's entry: report a failure,
terminate.

The end of a job is never lost: before it terminates its pod, the agent flushes its spool of metric points and log
lines and waits until metrics-service acknowledges the final status (SUCCEEDED or FAILED), retrying with backoff
while heartbeats go on, for at most TRAINPOD_FINAL_REPORT_TIMEOUT_SECONDS (default 600). The pod bills while it
waits.

The real trainer is $TRAINPOD_TRAINER (the trainer image sets it) or /opt/trainpod/trainer/trainpod_trainer.py. On
a stock PyTorch image (torch, but not the trainer's libraries) the agent unpacks the trainer from
trainer-bundle.zip (beside agent.pyz) and pip-installs its pinned requirements while the dataset downloads. The
simulated trainer (sim_trainer.py) runs only where torch is not installed.

Standard library only, Python 3.8+. It travels as one zip (a zipapp, base64 in the pod's args) and never logs the
job token, the pod's API key or the dataset URL's token.

Modules, each read on its own (a module imports only those before it):
  core         exit codes and limits, failures, State, work-dir files, deadlines, redaction, log lines
  http_calls   one request; JSON calls with backoff; metrics-service's endpoints
  shipping     Reporter (status, heartbeats), Spool and Shipper (metric points and log lines)
  terminate    terminating the pod; reporting a failure with the log's tail
  dataset      the dataset download
  artifacts    the output's resumable upload and declaration
  checkpoints  checkpoints uploaded while training goes on; the newest restored on a replacement pod
  training     choosing, installing and running the trainer; its lines and exit code
  main         `run` and `fail`

This package's namespace re-exports every module's names, so a reader (or a test) can say trainpod_agent.redact;
replace a function in the module that calls it (trainpod_agent.training.missing_gpu_libraries).
"""
from .core import *  # noqa: F401,F403
from .http_calls import *  # noqa: F401,F403
from .shipping import *  # noqa: F401,F403
from .terminate import *  # noqa: F401,F403
from .dataset import *  # noqa: F401,F403
from .artifacts import *  # noqa: F401,F403
from .checkpoints import *  # noqa: F401,F403
from .training import *  # noqa: F401,F403
from .main import *  # noqa: F401,F403

"""The trainer: which one runs (the image's, the bundled one after a pip install, or the simulated one), its
command line and environment, its output lines parsed into metrics, and its exit code into a cause."""
import base64
import importlib.util
import json
import os
import re
import subprocess
import sys
import time
import zipfile

from . import core
from .core import (
    EXIT_UNAVAILABLE, EXIT_CONFIG, OOM_CAUSE, METRIC_PREFIX, TOTAL_STEPS_PREFIX, REQUIRED_ENV,
    HIDDEN_FROM_TRAINER, DEFAULT_TRAINER, TRAINER_BUNDLE, TRAINER_LIBRARIES, HF_ACCESS_CAUSE, LOG_TAIL_LINES,
    CHECKPOINT_DIR, JobFailure, State, work_path, write_file, tail_lines, env_float, redact, log)
from .dataset import download_dataset
from .checkpoints import restore_checkpoint, CheckpointUploader


def decode_config(encoded):
    """TRAINPOD_CONFIG: base64 of a JSON object with model, method, hyperparameters, simulation."""
    try:
        config = json.loads(base64.b64decode("".join(encoded.split()), validate=True).decode("utf-8"))
    except ValueError as e:  # binascii.Error, UnicodeDecodeError and JSONDecodeError all are
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG is not base64-encoded JSON (%s)" % type(e).__name__)
    if not isinstance(config, dict):
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG must be a JSON object")
    if config.get("method", "SFT") not in ("SFT", "DPO"):
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG has an unknown method: %r" % config.get("method"))
    if not isinstance(config.get("simulation", {}), dict):
        raise JobFailure(EXIT_CONFIG, "TRAINPOD_CONFIG simulation must be a JSON object")
    return config


def missing_gpu_libraries():
    return [name for name in ("torch",) + TRAINER_LIBRARIES if importlib.util.find_spec(name) is None]


def unpack_trainer_bundle():
    """Unpacks trainer-bundle.zip into trainer/ of the work directory; returns that directory."""
    bundle, target = work_path(TRAINER_BUNDLE), work_path("trainer")
    try:
        with zipfile.ZipFile(bundle) as z:
            names = [n for n in z.namelist() if re.fullmatch(r"[A-Za-z0-9_.-]+", n) and not n.startswith(".")]
            z.extractall(target, names)
    except (OSError, zipfile.BadZipFile) as e:
        raise JobFailure(EXIT_CONFIG, "cannot train on this image: the trainer's libraries are missing and the "
                         "bundled trainer cannot be read (%s); use the Trainpod trainer image" % e)
    return target


def trainer_command(config, config_path, dataset_path):
    """Returns (command, kind, install): the trainer image's trainer; on a stock PyTorch image the bundled trainer,
    with the pip command that installs its pinned libraries first (None when nothing is missing); the simulated
    trainer only where torch is not installed."""
    args = ["--config", config_path, "--dataset", dataset_path]
    missing = missing_gpu_libraries()
    if "torch" in missing:
        log("using the simulated trainer: no GPU libraries on this machine (torch is not installed)")
        return [sys.executable, "-u", work_path("sim_trainer.py")] + args, "simulated", None
    if config.get("simulation") is not None:
        log("this machine has GPU libraries: the request's simulation settings are ignored")
    real = os.environ.get("TRAINPOD_TRAINER") or DEFAULT_TRAINER
    if not missing and os.path.exists(real):
        log("using the Trainpod trainer %s" % real)
        return [sys.executable, "-u", real] + args, "real", None
    trainer = os.path.join(unpack_trainer_bundle(), "trainpod_trainer.py")
    install = None
    if missing:
        if importlib.util.find_spec("pip") is None:
            # A paid GPU must never "succeed" on fake training: stop before any time is spent.
            raise JobFailure(EXIT_CONFIG, "cannot train on this image: %s not installed and pip is missing; "
                             "use the Trainpod trainer image" % ", ".join(missing))
        install = [sys.executable, "-m", "pip", "install", "--no-cache-dir", "--disable-pip-version-check",
                   "--no-input", "-r", os.path.join(os.path.dirname(trainer), "requirements.txt")]
        log("this image has torch but not %s: the pinned versions install while the dataset downloads "
            "(the Trainpod trainer image starts faster)" % ", ".join(missing))
    log("using the Trainpod trainer %s" % trainer)
    return [sys.executable, "-u", trainer] + args, "real", install


def start_install(command):
    """Starts pip in the background, its output in install.log."""
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN_FROM_TRAINER}
    env["PIP_ROOT_USER_ACTION"] = "ignore"
    with open(work_path("install.log"), "ab") as out:
        State.installer = subprocess.Popen(command, cwd=State.work_dir, env=env, stdout=out,
                                           stderr=subprocess.STDOUT)
    State.install_started = time.monotonic()


def finish_install():
    """Waits for pip; a failure or a hang is the job's failure, with pip's last lines in the agent's log."""
    installer = State.installer
    try:
        returncode = installer.wait(env_float("TRAINPOD_INSTALL_TIMEOUT_SECONDS", 1800.0))
    except subprocess.TimeoutExpired:
        stop_children()
        returncode = None
    if returncode == 0:
        log("trainer libraries installed in %.0f s" % (time.monotonic() - State.install_started))
        return
    tail = tail_lines(work_path("install.log"), 20)
    for line in tail:
        log("pip: " + line)
    errors = [line.strip() for line in tail if line.startswith("ERROR")]
    what = "took longer than TRAINPOD_INSTALL_TIMEOUT_SECONDS" if returncode is None \
        else "failed (pip exited with %d)" % returncode
    raise JobFailure(EXIT_UNAVAILABLE, "installing the trainer's libraries %s%s; use the Trainpod trainer image"
                     % (what, ": " + errors[-1][:300] if errors else ""))


def parse_trainer_line(line):
    """("metric", dict) for a TRAINPOD_METRIC line, ("total", int) for TRAINPOD_TOTAL_STEPS,
    else ("log", line)."""
    try:
        if line.startswith(METRIC_PREFIX):
            point = json.loads(line[len(METRIC_PREFIX):])
            if isinstance(point, dict):
                return "metric", point
        elif line.startswith(TOTAL_STEPS_PREFIX):
            return "total", int(line[len(TOTAL_STEPS_PREFIX):])
    except ValueError:
        pass
    return "log", line


def run_trainer(command, reporter, shipper, checkpoints=None):
    """Runs the trainer with stdout+stderr merged; every line goes to train.log and our
    stdout, metric points and other lines to metrics-service; each step tells the checkpoint
    uploader which checkpoints are finished. Returns its exit status."""
    env = {k: v for k, v in os.environ.items() if k not in HIDDEN_FROM_TRAINER}
    env["PYTHONUNBUFFERED"] = "1"
    State.trainer = subprocess.Popen(command, cwd=State.work_dir, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with State.trainer.stdout as output, open(work_path("train.log"), "a", encoding="utf-8") as train_log:
        for raw in iter(output.readline, b""):
            line = redact(raw.decode("utf-8", "replace").rstrip("\r\n"))
            train_log.write(line + "\n")
            train_log.flush()
            core.echo(line)
            kind, value = parse_trainer_line(line)
            if kind == "metric":
                shipper.point(value)
                reporter.progress(step=value.get("step"))
                if checkpoints is not None and isinstance(value.get("step"), int):
                    checkpoints.seen_step(value["step"])
            elif kind == "total":
                reporter.progress(total_steps=value)
            else:
                shipper.line(line)
    return State.trainer.wait()


def stop_children():
    """Stops the trainer and pip, whichever runs."""
    for child in (State.trainer, State.installer):
        if child is None or child.poll() is not None:
            continue
        child.terminate()
        try:
            child.wait(5)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def trainer_failure(returncode, tail):
    """The JobFailure for a trainer that exited with returncode, from its last log lines."""
    exit_code = 128 - returncode if returncode < 0 else returncode
    text = "\n".join(tail)
    if "CUDA out of memory" in text or "OutOfMemoryError" in text:
        return JobFailure(exit_code, OOM_CAUSE)
    if "GatedRepoError" in text or "401 Client Error" in text or "Access to model" in text:
        return JobFailure(exit_code, HF_ACCESS_CAUSE)
    if returncode < 0:
        return JobFailure(exit_code, "trainer was killed by signal %d%s" % (
            -returncode, " (the pod may have run out of memory)" if returncode == -9 else ""))
    cause = "trainer exited with code %d" % exit_code
    errors = [line.strip() for line in tail if line.split(":", 1)[0].strip().endswith(("Error", "Exception"))]
    return JobFailure(exit_code, cause + (": " + errors[-1][:300] if errors else ""))


def train(reporter, shipper):
    """Config, download, training; returns the trainer's kind or raises JobFailure."""
    missing = [name for name in REQUIRED_ENV if not os.environ.get(name)]
    if missing:
        raise JobFailure(EXIT_CONFIG, "missing environment: %s" % ", ".join(missing))
    config = decode_config(os.environ["TRAINPOD_CONFIG"])
    config_path, dataset_path = work_path("config.json"), work_path("dataset.jsonl")
    write_file("config.json", json.dumps(config))
    command, kind, install = trainer_command(config, config_path, dataset_path)
    if install:
        start_install(install)
    reporter.change("DOWNLOADING", "downloading the dataset" + (" and installing the trainer's libraries"
                                                                 if install else ""))
    download_dataset(os.environ["TRAINPOD_DATASET_URL"], dataset_path, os.environ.get("TRAINPOD_DATASET_SHA256", ""))
    if os.environ.get("TRAINPOD_VALIDATION_URL"):  # the validation set, a second dataset of the user's
        download_dataset(os.environ["TRAINPOD_VALIDATION_URL"], work_path("validation.jsonl"),
                         os.environ.get("TRAINPOD_VALIDATION_SHA256", ""))
        command = command + ["--validation", work_path("validation.jsonl")]
    if install:
        finish_install()
    restored = restore_checkpoint()
    reporter.change("TRAINING", "training %s (%s) with the %s trainer%s"
                    % (config.get("model", "?"), config.get("method", "SFT"), kind,
                       "" if restored is None else ", resuming from checkpoint %d" % restored))
    checkpoints = CheckpointUploader(work_path(CHECKPOINT_DIR), restored, shipper)
    checkpoints.start()
    try:
        returncode = run_trainer(command, reporter, shipper, checkpoints)
    finally:
        checkpoints.stop(5.0)
    if returncode != 0:
        raise trainer_failure(returncode, tail_lines(work_path("train.log"), LOG_TAIL_LINES))
    return kind

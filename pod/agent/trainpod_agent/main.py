"""The agent's entry points: `run` (the whole job, SIGTERM handled) and `fail --exit-code N` (the bootstrap
trap's: report a failure, terminate)."""
import argparse
import os
import signal
import traceback

from .core import (
    EXIT_AGENT_ERROR, EXIT_SIGTERM, SIGNAL_CAUSE, SIGTERM_REPORT_SECONDS, JobFailure, Terminated, State,
    work_path, read_file, write_file, env_float, final_deadline, secrets_of, redact, log)
from .shipping import Reporter, Shipper
from .terminate import terminate_pod, report_failure
from .artifacts import upload_artifacts, declare_artifacts
from .training import stop_children, train


def stop_shipper(shipper, deadline):
    """Starts the shipper's final flush (retried until the monotonic deadline, one try when None) and returns at
    once with a function that waits for it, until a given monotonic time (no limit when None)."""
    State.shipper = None
    shipper.stop(deadline)

    def wait(until=None):
        unsent = shipper.wait_stopped(until)
        if unsent is None:
            log("the final flush of metric points and log lines was still going on at the deadline")
        elif unsent:
            log("%d metric points could not be sent; kept in metrics-spool.jsonl" % unsent)
    return wait


def close_shipper(shipper, deadline):
    stop_shipper(shipper, deadline)()


def on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if State.signal_armed:
        raise Terminated()


def cmd_run():
    previous = "0" if os.path.exists(work_path("succeeded")) else read_file("failure-reported")
    if previous:
        log("this job already ended (the container was restarted): terminating the pod")
        terminate_pod()
        return int(previous) if previous.isdigit() else 1
    write_file("phase", "STARTING")
    reporter = Reporter(max(env_float("TRAINPOD_HEARTBEAT_SECONDS", 15.0), 0.05))
    shipper = Shipper()
    State.shipper, State.signal_armed = shipper, True
    signal.signal(signal.SIGTERM, on_sigterm)
    shipper.start()
    reporter.start_heartbeats()
    try:
        kind = train(reporter, shipper)
        reporter.change("UPLOADING", "uploading artifacts")
        artifacts = upload_artifacts()
        declare_artifacts(artifacts)
        State.signal_armed = False
        deadline = final_deadline()
        close_shipper(shipper, deadline)
        reporter.finish({"phase": "SUCCEEDED", "message": "training finished (%s trainer); %d artifacts stored"
                         % (kind, len(artifacts)), "artifacts": artifacts}, deadline)
        write_file("succeeded", "")
        terminate_pod()
        return 0
    except Terminated:
        exit_code, cause = EXIT_SIGTERM, SIGNAL_CAUSE
    except JobFailure as e:
        exit_code, cause = e.exit_code, e.cause
    except Exception as e:
        log(traceback.format_exc())
        exit_code, cause = EXIT_AGENT_ERROR, "agent error: %s: %s" % (type(e).__name__, redact(str(e)))
    State.signal_armed = False
    stop_children()
    deadline = final_deadline(SIGTERM_REPORT_SECONDS if exit_code == EXIT_SIGTERM else None)  # SIGKILL follows soon
    # FAILED goes first: deploy-service terminates the pod on it, so the final flush runs alongside the report
    # (metrics-service takes points until the job has ENDED, i.e. until that termination is recorded), and the
    # agent deletes its pod once the report is done and the flush has ended or reached the deadline.
    flushed = None
    if State.shipper is not None:
        flushed = stop_shipper(shipper, None if exit_code == EXIT_SIGTERM else deadline)
    report_failure(exit_code, cause, reporter, deadline, flushed)
    return exit_code


def agent_dir():
    """The directory that holds agent.pyz (or, run from the sources, the package's directory)."""
    archive = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.dirname(archive) if os.path.isfile(archive) else archive


def main(argv=None):
    parser = argparse.ArgumentParser(description="Trainpod pod agent")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="download, train, report and terminate the pod")
    fail = commands.add_parser("fail", help="report a bootstrap failure and terminate the pod")
    fail.add_argument("--exit-code", type=int, required=True)
    args = parser.parse_args(argv)
    State.work_dir = os.environ.get("TRAINPOD_WORK_DIR") or agent_dir()
    State.secrets = secrets_of(os.environ)
    if args.command == "run":
        return cmd_run()
    return 0 if report_failure(args.exit_code) else 1


"""The zipapp's entry: agent.pyz holds this file and the trainpod_agent package (BootstrapScript zips them);
`python3 agent.pyz run|fail --exit-code N`, or `python3 pod/agent run` from the sources."""
import sys

from trainpod_agent.main import main

sys.exit(main())

"""`python3 -m trainpod_agent run|fail --exit-code N`, from pod/agent."""
import sys

from .main import main

sys.exit(main())

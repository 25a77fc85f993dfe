"""Container image every KFP component runs in: the project installed (see the Dockerfile).

Set TUNELINE_IMAGE before compiling a pipeline to point at your registry's copy of that image.
"""

import os

COMPONENT_IMAGE = os.environ.get("TUNELINE_IMAGE", "tuneline:0.1.0")

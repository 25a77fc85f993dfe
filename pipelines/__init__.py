"""Pipeline wiring (Kubeflow) and the `tuneline` command line."""

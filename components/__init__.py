"""tuneline pipeline steps: one folder per step, each with config, core, __main__ and component."""

"""Step `export gguf`: a registered version merged into its base, written as GGUF for llama.cpp, checked, registered."""

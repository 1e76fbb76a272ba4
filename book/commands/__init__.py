"""The commands: plan and run a build, check, watch, new; the build reads the renderers' assets into a RenderContext."""

// Small behaviours htmx does not cover. No framework, no build step.

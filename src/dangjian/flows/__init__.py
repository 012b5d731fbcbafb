"""Workflows and pages that span several apps, above all of them: publishing an assessment (which opens the
rectification cases and proposes the accountability), the periodic jobs the scheduler runs, the home page's counts,
the organization page with its members. See docs/architecture.md, "Layers"."""

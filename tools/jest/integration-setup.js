// Cross-process specs boot apps, FFmpeg and Chromium on a loaded 2-core machine:
// give them a generous per-test budget (jest ignores testTimeout inside `projects`).
jest.setTimeout(120000);

#!/usr/bin/env node
// The `wamp` bin. A committed launcher rather than dist/cli.js itself,
// so that the file exists when a package manager links bins before the build.
import '../dist/cli.js';

// Must be imported before any schema parses: zod 4 otherwise probes `new
// Function`, which our CSP (no 'unsafe-eval') reports as a violation.
import { z } from 'zod';

z.config({ jitless: true });

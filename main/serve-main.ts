/** Entry of `npm run serve` (dist/serve.cjs). serve.ts itself only exports, so start.ts can bundle it. */
import { serve } from './serve.js';

serve().catch((err: Error) => {
  console.error(`quarry: ${err.message}`);
  process.exit(1);
});

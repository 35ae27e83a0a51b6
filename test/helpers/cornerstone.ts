/**
 * The Cornerstone the Node suites run on, handed to src/cornerstone as a host would hand its own
 * (useCornerstone). Import this module first in a suite that touches Cornerstone. `npm run
 * test:cornerstone-5.6` resolves these same imports to Cornerstone 5.6.8 (vitest.cornerstone-5.6.config.ts).
 */
import * as cornerstone from '@cornerstonejs/core';
import * as cornerstoneTools from '@cornerstonejs/tools';
import { useCornerstone } from '../../src/cornerstone/libraries.ts';

useCornerstone({ cornerstone, cornerstoneTools });

export { cornerstone, cornerstoneTools };

import * as core from '@gds/database';
import { describeOptionSchemas } from '../src/jest.js';

// the core's own schemas; each engine runs the same over its exports
describeOptionSchemas('@gds/database', core);

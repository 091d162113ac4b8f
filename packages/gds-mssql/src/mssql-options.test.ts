import { describeOptionSchemas } from '@gds/testkit/jest';
import * as engine from './index.js';

describeOptionSchemas('@gds/mssql', engine, 300, { numericBounds: true });

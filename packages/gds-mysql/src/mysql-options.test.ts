import { describeOptionSchemas } from '@gds/testkit/jest';
import * as engine from './index.js';

describeOptionSchemas('@gds/mysql', engine, 300, { numericBounds: true });

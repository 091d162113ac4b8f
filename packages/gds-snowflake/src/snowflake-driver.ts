/**
 * Loads `snowflake-sdk` only when a connection is opened: requiring it costs about 750 ms (it
 * pulls in the AWS, Azure and Google SDKs for stage transfers), so importing `@gds/snowflake`
 * (and registering the provider) stays cheap for programs that never connect to Snowflake.
 * Describes the small part of the driver gds uses as local interfaces, so that no driver type
 * leaks into the public API.
 *
 * On Node 20 the driver's AWS SDK prints a one-time warning that future versions need Node 22
 * (`emitWarningIfUnsupportedVersion` in @aws-sdk/core) on the stderr of every program that loads
 * the driver, which its users cannot act on. Before loading the driver gds sets the SDK's
 * documented opt-out, `AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true`, unless the
 * environment already sets that variable.
 *
 * @module
 */

/** A statement handle of the driver. */
export interface SdkStatement {
  cancel(callback?: (err: unknown) => void): void;
  getQueryId(): string;
}

/** A connection of the driver. */
export interface SdkConnection {
  /** Logs in; errors reach the callback (connectAsync() resolves even when the login fails). */
  connect(callback: (err: SdkError | undefined, conn: SdkConnection) => void): SdkConnection;
  execute(options: {
    sqlText: string;
    binds?: readonly (string | number | boolean | null)[];
    complete: (err: SdkError | undefined, stmt: SdkStatement, rows?: Record<string, unknown>[]) => void;
  }): SdkStatement;
  destroy(callback: (err: unknown) => void): void;
  isUp(): boolean;
  heartbeatAsync?(): Promise<unknown>;
}

/** An error of the driver: server codes are six-digit strings, the driver's own are numbers. */
export interface SdkError extends Error {
  code?: string | number;
  sqlState?: string;
  isFatal?: boolean;
}

/** The driver module. */
export interface SdkModule {
  createConnection(options: Record<string, unknown>): SdkConnection;
  configure(options: Record<string, unknown>): void;
}

/**
 * The AWS SDK's switch that turns its Node-version warning off (read once, when the driver's
 * first AWS client is made).
 *
 * ### Examples
 * ```ts
 * AWS_WARNING_OPT_OUT; // 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'
 * ```
 */
export const AWS_WARNING_OPT_OUT = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

let loading: Promise<SdkModule> | undefined;
let configuredLevel: string | undefined;

/**
 * The driver module, loaded on first call (and the process-wide driver log level set).
 *
 * ### Examples
 * ```ts
 * const sdk = await loadSnowflakeSdk('OFF');
 * ```
 */
export async function loadSnowflakeSdk(logLevel: string): Promise<SdkModule> {
  process.env[AWS_WARNING_OPT_OUT] ??= 'true';
  loading ??= import('snowflake-sdk').then((m: unknown) => {
    const mod = m as SdkModule & { default?: SdkModule };
    return typeof mod.createConnection === 'function' ? mod : (mod.default as SdkModule);
  });
  const sdk = await loading;
  if (configuredLevel !== logLevel) {
    sdk.configure({ logLevel });
    configuredLevel = logLevel;
  }
  return sdk;
}

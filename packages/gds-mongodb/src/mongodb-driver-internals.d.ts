// The one internal of the `mongodb` driver that gds uses (see mongodb-raw-insert.ts): an OP_MSG
// kind-1 section built from documents that are already BSON bytes. Checked by the
// byte-identical restore tests, which fail if a driver update changes it.
declare module 'mongodb/lib/cmap/commands.js' {
  /** A kind-1 OP_MSG section (document sequence) replacing the command field `field`. */
  export class DocumentSequence {
    constructor(field: string);
    /** Adds a document given as its BSON bytes (`document` is kept only for monitoring). */
    push(document: Record<string, unknown>, buffer: Uint8Array): number;
  }
}

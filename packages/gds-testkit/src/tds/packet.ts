/**
 * TDS packet framing for the simulator: assembling client messages from the bytes of a socket,
 * and cutting server messages into packets. Limits: no TLS (the simulator answers PRELOGIN with
 * ENCRYPTION=NOT_SUP), no MARS/SMP headers, packets up to the negotiated 4096 bytes.
 *
 * @module
 */

/** TDS packet types the simulator reads or writes. */
export const PacketType = Object.freeze({
  SQL_BATCH: 0x01,
  RPC: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const);

const HEADER = 8;
const STATUS_EOM = 0x01;
/** The packet size the simulator writes with (tedious's default, echoed in the login ENVCHANGE). */
export const PACKET_SIZE = 4096;

/** One complete client message: its packet type and the concatenated payload. */
export interface TdsMessage {
  /** The packet type of its packets. */
  type: number;
  /** The payload without packet headers. */
  payload: Buffer;
}

/**
 * Assembles complete messages from socket chunks (a message ends with a packet whose status has
 * the EOM bit). Attention packets are messages of their own.
 *
 * ### Examples
 * ```ts
 * const reader = new MessageReader();
 * socket.on('data', (chunk) => { for (const m of reader.push(chunk)) handle(m); });
 * ```
 */
export class MessageReader {
  #buffer: Buffer = Buffer.alloc(0);
  #parts: Buffer[] = [];
  #type = -1;

  /** Adds bytes; returns the messages they completed. */
  push(chunk: Buffer): TdsMessage[] {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    const out: TdsMessage[] = [];
    while (this.#buffer.length >= HEADER) {
      const length = this.#buffer.readUInt16BE(2);
      if (length < HEADER) throw new Error(`TDS packet length ${length} is shorter than its header`);
      if (this.#buffer.length < length) break;
      const type = this.#buffer[0] ?? 0;
      const status = this.#buffer[1] ?? 0;
      const body = this.#buffer.subarray(HEADER, length);
      this.#buffer = this.#buffer.subarray(length);
      if (this.#parts.length === 0) this.#type = type;
      this.#parts.push(Buffer.from(body));
      if (status & STATUS_EOM) {
        out.push({ type: this.#type, payload: Buffer.concat(this.#parts) });
        this.#parts = [];
      }
    }
    return out;
  }
}

/**
 * Cuts `payload` into TDS packets of at most {@link PACKET_SIZE} bytes. With `eom` false the
 * last packet lacks the EOM bit, so the message continues in the next call (used to stream
 * progress messages while a "long" statement runs).
 *
 * ### Examples
 * ```ts
 * socket.write(packets(PacketType.TABULAR_RESULT, tokens, true));
 * ```
 */
export function packets(type: number, payload: Buffer, eom: boolean, firstId = 1): Buffer {
  const max = PACKET_SIZE - HEADER;
  const out: Buffer[] = [];
  let id = firstId;
  let offset = 0;
  do {
    const body = payload.subarray(offset, offset + max);
    offset += body.length;
    const last = offset >= payload.length;
    const header = Buffer.alloc(HEADER);
    header.writeUInt8(type, 0);
    header.writeUInt8(last && eom ? STATUS_EOM : 0, 1);
    header.writeUInt16BE(HEADER + body.length, 2);
    header.writeUInt16BE(0x0033, 4); // SPID 51
    header.writeUInt8(id++ & 0xff, 6);
    header.writeUInt8(0, 7);
    out.push(header, body);
  } while (offset < payload.length);
  return Buffer.concat(out);
}

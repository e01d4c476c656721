/** One request and its answer as they went over the line, for `gateway read --raw`. */
export interface Exchange {
  what: string;
  request: Buffer;
  response: Buffer;
}
export type ExchangeSink = (e: Exchange) => void;

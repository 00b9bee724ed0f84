/** A response body a raw route wrote itself (JSON text), sent as it is rather than JSON.stringify'd. */
export class JsonBody {
  constructor(readonly text: string) {}
}

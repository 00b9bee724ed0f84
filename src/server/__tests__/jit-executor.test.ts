import { ApolloServer } from '@apollo/server';
import { buildSchema, getIntrospectionQuery, type GraphQLSchema } from 'graphql';
import { buildHubSchema } from '../../schema/build-schema.js';
import { describe, expect, it } from 'vitest';
import { jitGateway } from '../jit-executor.js';

const typeDefs = `
  type Query { item(id: Int!): Item, items(first: Int): [Item!]!, boom: Int }
  type Item { id: Int!, name: String!, tags: [String!]! }
`;

function schemaWithResolvers(): GraphQLSchema {
  const schema = buildSchema(typeDefs);
  const items = Array.from({ length: 5 }, (_, i) => ({ id: i, name: `Mục ${i}`, tags: [`t${i}`] }));
  const fields = schema.getQueryType()!.getFields();
  fields.item!.resolve = (_p, a: { id: number }) => items.find((i) => i.id === a.id) ?? null;
  fields.items!.resolve = async (_p, a: { first?: number }) => items.slice(0, a.first ?? 5);
  fields.boom!.resolve = () => {
    throw Object.assign(new Error('kaboom'), { extensions: { code: 'X_BOOM' } });
  };
  return schema;
}

async function both(query: string, variables?: Record<string, unknown>, schema = schemaWithResolvers()) {
  const out = [];
  for (const server of [new ApolloServer({ schema }), new ApolloServer({ gateway: jitGateway(schema) })]) {
    await server.start();
    const r = await server.executeOperation({ query, variables });
    await server.stop();
    out.push({ status: r.http.status, body: r.body.kind === 'single' ? r.body.singleResult : undefined });
  }
  return out;
}

describe('the graphql-jit executor answers as graphql-js does', () => {
  it('data, nested lists and async resolvers', async () => {
    const [js, jit] = await both('query Q($n: Int) { items(first: $n) { id name tags } item(id: 2) { name } }', { n: 3 });
    expect(jit).toEqual(js);
    expect((jit!.body!.data as { items: unknown[] }).items).toHaveLength(3);
  });

  it('a resolver error keeps its path, message and extensions, beside the data', async () => {
    const [js, jit] = await both('{ boom item(id: 1) { id } }');
    expect(jit).toEqual(js);
    expect(jit!.body!.errors![0]!.path).toEqual(['boom']);
  });

  it('a variable that does not coerce is BAD_USER_INPUT with HTTP 400, like graphql-js', async () => {
    for (const variables of [{ id: 'abc' }, {}]) {
      const [js, jit] = await both('query Q($id: Int!) { item(id: $id) { id } }', variables);
      expect(js!.status).toBe(400);
      expect(jit!.status).toBe(400);
      expect(jit!.body!.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(jit!.body!.data).toBeUndefined();
    }
  });

  it("the full introspection of the hub's schema (GraphiQL, codegen)", async () => {
    const [js, jit] = await both(getIntrospectionQuery({ descriptions: true, specifiedByUrl: true, inputValueDeprecation: true }), undefined, await buildHubSchema());
    expect(jit!.body!.errors).toBeUndefined();
    expect(jit).toEqual(js);
  });
});

/** A GraphQL POST as every GraphQL target receives it. */
export function graphqlRequest(query, variables, token) {
    return {
        method: 'POST',
        path: '/graphql',
        headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json, application/json',
            ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(variables ? { query, variables } : { query }),
    };
}
/** The `data` of a GraphQL response, or an error naming what came back instead. */
export function graphqlData(body) {
    const b = body;
    if (!b || typeof b !== 'object')
        throw new Error('response is not a JSON object');
    if (b.errors?.length)
        throw new Error(`GraphQL errors: ${JSON.stringify(b.errors).slice(0, 500)}`);
    if (!b.data)
        throw new Error('response has no data');
    return b.data;
}

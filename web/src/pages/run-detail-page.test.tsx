import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import { ProducerRunNote } from './run-detail-page';

const RUN_ID = '01a23c6a-9471-729b-9a33-dbc4817d4793';

describe('ProducerRunNote', () => {
  it('links to the producer run while it exists (or is still being requested)', () => {
    render(
      <MemoryRouter>
        <ProducerRunNote runId={RUN_ID} slug="producer" missing={false} />
      </MemoryRouter>,
    );
    expect(screen.getByRole('link')).toHaveAttribute('href', `/runs/${RUN_ID}`);
  });

  it('says the request may have joined a run in flight when no run has the predicted id', () => {
    render(
      <MemoryRouter>
        <ProducerRunNote runId={RUN_ID} slug="producer" missing />
      </MemoryRouter>,
    );
    expect(screen.getByText(/joined a run already in flight/)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'producer' })).toHaveAttribute('href', '/workflows/producer');
    expect(screen.queryByRole('link', { name: /01a23c6a/ })).toBeNull();
  });
});

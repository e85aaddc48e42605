import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/problem';
import { ErrorState } from './states';

describe('ErrorState', () => {
  it('shows the problem document title, detail and field errors', () => {
    render(
      <ErrorState
        error={
          new ApiError({
            title: 'Invalid query parameter',
            status: 400,
            detail: 'The request query is invalid',
            code: 'invalid_query',
            errors: [{ path: '/limit', message: 'must be <= 200' }],
          })
        }
      />,
    );
    expect(screen.getByRole('alert')).toHaveTextContent('Invalid query parameter');
    expect(screen.getByText('The request query is invalid')).toBeInTheDocument();
    expect(screen.getByText('/limit')).toBeInTheDocument();
  });

  it('explains a network failure', () => {
    render(<ErrorState error={new TypeError('Failed to fetch')} />);
    expect(screen.getByText('The service cannot be reached')).toBeInTheDocument();
  });
});
